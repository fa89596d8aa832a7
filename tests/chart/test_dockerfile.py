"""The Dockerfile: lint-clean (hadolint) and built the way DEPLOY.md asks.

No container engine is available offline, so the image is never built here; these tests
pin the properties the chart relies on (UID 10001, read-only root, hash-locked install).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import ROOT, tool

DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def text() -> str:
    return DOCKERFILE.read_text()


def stages(text: str) -> list[str]:
    return re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, flags=re.M | re.I)


def final_stage(text: str) -> str:
    return re.split(r"^FROM\s", text, flags=re.M)[-1]


def test_hadolint_clean() -> None:
    done = subprocess.run(
        [tool("hadolint"), "--config", str(ROOT / ".hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_multi_stage_with_runtime_last(text: str) -> None:
    assert stages(text) == ["build", "netinit", "runtime"]


def test_base_images_pinned(text: str) -> None:
    args = dict(re.findall(r"^ARG\s+(\w+_IMAGE)=(\S+)", text, flags=re.M))
    assert args["PYTHON_IMAGE"].startswith("python:3.12."), "Python 3.12: mitmproxy 12 needs it"
    assert "bookworm" in args["PYTHON_IMAGE"]
    for image in args.values():
        tag = image.split("@")[0].split(":")[1]
        assert re.match(r"\d+\.\d+", tag), f"{image}: pin a version, not a moving tag"


def test_hash_locked_install_then_project_without_deps(text: str) -> None:
    lock = text.index("pip install --require-hashes --no-deps -r requirements.lock")
    project = text.index("pip install --no-deps .")
    assert lock < project


def test_runtime_is_non_root_numeric_and_read_only_ready(text: str) -> None:
    runtime = final_stage(text)
    assert re.search(r"^USER 10001:10001$", runtime, flags=re.M)
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert "gcc" not in runtime and "build-essential" not in runtime
    assert 'VOLUME ["/var/lib/egressguard"]' in runtime
    for env in (
        "EGRESSGUARD_CONFDIR=/var/lib/egressguard",
        "PYTHONDONTWRITEBYTECODE=1",
        "HOME=/tmp",
        "EGRESSGUARD_LISTEN=0.0.0.0:8080",
        "EGRESSGUARD_ADMIN=127.0.0.1:9465",
    ):
        assert env in runtime, env


def test_healthcheck_and_entrypoint(text: str) -> None:
    runtime = final_stage(text)
    assert re.search(r"^HEALTHCHECK .*\n?.*CMD \[\"python\", \"-c\".*/healthz", runtime, flags=re.M)
    assert 'ENTRYPOINT ["egressguard"]' in runtime
    assert 'CMD ["run"]' in runtime


def test_dockerignore_keeps_secrets_and_venv_out() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "**" in lines, "ignore everything, then allow what the build copies"
    assert "!requirements.lock" in lines and "!egressguard/" in lines


def test_netinit_stage_has_pinned_iptables(text: str) -> None:
    netinit = re.split(r"^FROM\s", text, flags=re.M)[2]
    assert re.search(r"iptables=\d", netinit)
