"""The chart's wiring against the real proxy: run `egressguard run` with the environment the
rendered Deployment gives its container (addresses moved to free loopback ports, volumes to
a temporary directory), then run the chart's helm-test script and the image's HEALTHCHECK
command against it. Loopback only, bounded in time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, by_kind, render, tool

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("egressguard.cli") is None or importlib.util.find_spec("mitmproxy") is None,
    reason="the egressguard app (and mitmproxy) is not importable here",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Proxy:
    def __init__(
        self, env: dict[str, str], ports: dict[str, int], process: subprocess.Popen[str], log: Path
    ) -> None:
        self.env, self.ports, self.process, self.log = env, ports, process, log


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    docs = render()
    (dep,) = by_kind(docs, "Deployment")
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    (policy_cm,) = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-policy")]
    base = tmp_path_factory.mktemp("pod")
    mounts = {m["mountPath"]: base / m["name"] for m in container["volumeMounts"]}
    for path in mounts.values():
        path.mkdir()
    for name, text in policy_cm["data"].items():
        (mounts["/etc/egressguard/policy"] / name).write_text(text)

    ports = {"proxy": free_port(), "metrics": free_port(), "admin": free_port()}
    env = {e["name"]: e["value"] for e in container["env"]}
    for var, port in (("LISTEN", "proxy"), ("METRICS", "metrics"), ("ADMIN", "admin")):
        assert re.fullmatch(r"(0\.0\.0\.0|127\.0\.0\.1):\d+", env[f"EGRESSGUARD_{var}"])
        env[f"EGRESSGUARD_{var}"] = f"127.0.0.1:{ports[port]}"
    for var, value in list(env.items()):
        if value in mounts:
            env[var] = str(mounts[value])
    run_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    log = base / "proxy.log"
    log_file = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "egressguard", *container["args"]],
        env=run_env,
        cwd=base,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ports['metrics']}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(timeout=10)
                pytest.fail(
                    f"the proxy did not become ready with the chart's environment:\n{log.read_text()}"
                )
            time.sleep(0.2)
        yield Proxy(env, ports, process, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log_file.close()


def test_ca_is_exported_for_the_agent(proxy: Proxy) -> None:
    export = Path(proxy.env["EGRESSGUARD_CA_EXPORT_DIR"])
    assert sorted(p.name for p in export.iterdir()) == ["ca-bundle.pem", "egressguard-ca.pem"]
    assert "PRIVATE KEY" not in (export / "egressguard-ca.pem").read_text()
    assert "PRIVATE KEY" not in (export / "ca-bundle.pem").read_text()
    token = Path(proxy.env["EGRESSGUARD_CONFDIR"]) / "admin-token"
    assert token.stat().st_mode & 0o077 == 0, "admin token readable by others"


def test_helm_test_script_passes_against_the_proxy(proxy: Proxy) -> None:
    (pod,) = by_kind(render(), "Pod")
    (container,) = pod["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    env["EG_PROXY_PORT"] = str(proxy.ports["proxy"])
    env[env["EG_SERVICE_ENV"]] = "127.0.0.1"
    done = subprocess.run(
        [sys.executable, *container["command"][1:]],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: 403 host_not_allowed" in done.stdout


def test_dockerfile_healthcheck_passes(proxy: Proxy) -> None:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*?\])$", text, flags=re.M | re.S)
    assert match
    cmd: list[Any] = json.loads(match.group(1))
    assert cmd[0] == "python"
    env = {"PATH": os.environ.get("PATH", ""), "EGRESSGUARD_METRICS": f"0.0.0.0:{proxy.ports['metrics']}"}
    done = subprocess.run(
        [sys.executable, *cmd[1:]], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr


def test_metrics_pass_promtool_lint(proxy: Proxy) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{proxy.ports['metrics']}/metrics", timeout=5) as r:
        body = r.read().decode()
    assert "egressguard_build_info" in body
    done = subprocess.run(
        [tool("promtool"), "check", "metrics"],
        input=body,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_sigterm_exits_zero(proxy: Proxy) -> None:
    """Last in this module: the image relies on the proxy handling SIGTERM as PID 1."""
    proxy.process.send_signal(signal.SIGTERM)
    try:
        code = proxy.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the proxy did not stop within 30s of SIGTERM")
    assert code == 0, proxy.log.read_text()
