"""Sidecar mode: the named templates, through the worked example in helm/examples/agent-sidecar."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import CHART, EXAMPLES, PROXY_UID, RELEASE, by_kind, containers, pod_specs, render

helm_python = pytest.importorskip(
    "helm_python", reason="helm-python-sdk not installed (pip install helm-python-sdk==0.2.2)"
)

EXAMPLE = EXAMPLES / "agent-sidecar"
AGENT_ALLOWED_VOLUMES = {"egressguard-ca-export"}
PROXY_ONLY_VOLUMES = {
    "egressguard-confdir",
    "egressguard-policy",
    "egressguard-tmp",
    "egressguard-ca-secret",
    "egressguard-admin-token",
}


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example chart with its file:// dependency built, in a scratch copy of helm/."""
    helm = tmp_path_factory.mktemp("helm") / "helm"
    shutil.copytree(CHART, helm / "egressguard")
    shutil.copytree(
        EXAMPLE, helm / "examples" / "agent-sidecar", ignore=shutil.ignore_patterns("charts", "*.lock")
    )
    target = helm / "examples" / "agent-sidecar"
    helm_python.dependency_build(target, skip_refresh=True)
    return target


def render_example(example_dir: Path, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return render(values, chart=example_dir)


@pytest.fixture(scope="module")
def example(example_dir: Path) -> list[dict[str, Any]]:
    return render_example(example_dir)


def agent_pod(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (dep,) = [d for d in by_kind(docs, "Deployment") if d["metadata"]["name"].endswith("-agent")]
    spec: dict[str, Any] = dep["spec"]["template"]["spec"]
    return spec


def test_example_renders_and_lints(example_dir: Path, example: list[dict[str, Any]]) -> None:
    kinds = sorted(d["kind"] for d in example)
    assert kinds == ["ConfigMap", "Deployment", "NetworkPolicy"]
    report = helm_python.lint(example_dir, {}, strict=True, kube_version="v1.30.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not problems, problems


@pytest.mark.parametrize("version", ["1.29.0", "1.31.0", "1.33.0"])
def test_example_passes_kubernetes_validate(example: list[dict[str, Any]], version: str) -> None:
    kv = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate not installed")
    for d in example:
        kv.validate(d, version, strict=True)


def test_native_sidecar_holds_the_agent_until_ready(example: list[dict[str, Any]]) -> None:
    spec = agent_pod(example)
    names = [c["name"] for c in spec["initContainers"]]
    assert names == ["egressguard-init", "egressguard"], "firewall first, then the proxy"
    sidecar = spec["initContainers"][1]
    assert sidecar["restartPolicy"] == "Always"
    assert sidecar["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert sidecar["securityContext"]["runAsUser"] == PROXY_UID
    env = {e["name"]: e.get("value") for e in sidecar["env"]}
    assert env["EGRESSGUARD_LISTEN"] == "127.0.0.1:8080"
    assert env["EGRESSGUARD_ADMIN"] == "127.0.0.1:9465"
    assert env["EGRESSGUARD_METRICS"] == "0.0.0.0:9464", "kubelet probes and Prometheus use the pod IP"
    assert env["EGRESSGUARD_CA_EXPORT_DIR"] == "/var/run/egressguard/ca"


def test_agent_pod_settings(example: list[dict[str, Any]]) -> None:
    spec = agent_pod(example)
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert spec["shareProcessNamespace"] is False
    (agent,) = spec["containers"]
    sc = agent["securityContext"]
    assert sc["runAsUser"] != PROXY_UID and sc["runAsNonRoot"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}, "no CAP_SETUID: it could become the proxy's UID"
    assert sc["allowPrivilegeEscalation"] is False


def test_agent_never_mounts_key_confdir_token_or_policy(example_dir: Path) -> None:
    values = {"egressguard": {"ca": {"existingSecret": "eg-ca"}, "admin": {"tokenSecret": {"name": "tok"}}}}
    spec = agent_pod(render_example(example_dir, values))
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes.keys() >= PROXY_ONLY_VOLUMES
    (agent,) = spec["containers"]
    egress_mounts = [m for m in agent["volumeMounts"] if m["name"].startswith("egressguard-")]
    assert {m["name"] for m in egress_mounts} == AGENT_ALLOWED_VOLUMES
    assert all(m["readOnly"] is True for m in egress_mounts)
    for m in agent["volumeMounts"]:
        assert "secret" not in volumes[m["name"]], "no Secret reaches the agent"
        assert not m["mountPath"].startswith("/var/lib/egressguard")
    # and the proxy-only volumes are mounted by egressguard containers only
    for c in containers(spec):
        for m in c.get("volumeMounts", []):
            if m["name"] in PROXY_ONLY_VOLUMES:
                assert c["name"].startswith("egressguard"), c["name"]


def test_agent_env_points_at_the_sidecar_and_the_ca(example: list[dict[str, Any]]) -> None:
    (agent,) = agent_pod(example)["containers"]
    env = {e["name"]: e["value"] for e in agent["env"]}
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "GRPC_PROXY"):
        assert env[var] == env[var.lower()] == "http://127.0.0.1:8080"
    assert env["NO_PROXY"] == env["no_proxy"] == "localhost,127.0.0.1,::1"
    assert env["NODE_USE_ENV_PROXY"] == "1"
    for var in (
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "GIT_SSL_CAINFO",
        "AWS_CA_BUNDLE",
        "PIP_CERT",
    ):
        assert env[var] == "/etc/egressguard/ca-bundle.pem", var
    assert env["NODE_EXTRA_CA_CERTS"] == "/etc/egressguard/egressguard-ca.pem"


def _rules(script: str, tool: str) -> list[str]:
    return [
        line.split(" -A EGRESSGUARD_OUTPUT ", 1)[1]
        for line in script.splitlines()
        if line.startswith(f"{tool} ") and " -A EGRESSGUARD_OUTPUT " in line
    ]


@pytest.mark.parametrize("family", ["iptables-nft", "ip6tables-nft"])
def test_firewall_rules_in_order(example: list[dict[str, Any]], family: str) -> None:
    init = agent_pod(example)["initContainers"][0]
    script = init["args"][0]
    assert script.startswith("set -eu")
    assert _rules(script, family) == [
        f"-m owner --uid-owner {PROXY_UID} -j ACCEPT",
        "-o lo -p tcp --dport 9465 -j REJECT --reject-with tcp-reset",
        "-o lo -j ACCEPT",
        "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
        "-j REJECT",
    ]
    assert f"{family} -w -I OUTPUT 1 -j EGRESSGUARD_OUTPUT" in script
    sc = init["securityContext"]
    assert sorted(sc["capabilities"]["add"]) == ["NET_ADMIN", "NET_RAW"]
    assert sc["privileged"] is False


def test_firewall_follows_ports_backend_and_ipv6(example_dir: Path) -> None:
    values = {
        "egressguard": {"ports": {"admin": 7000}, "sidecar": {"init": {"backend": "legacy", "ipv6": False}}}
    }
    script = agent_pod(render_example(example_dir, values))["initContainers"][0]["args"][0]
    assert _rules(script, "iptables-legacy")[1].startswith("-o lo -p tcp --dport 7000 ")
    assert "ip6tables" not in script
    assert not re.search(r"\biptables-nft\b", script)


def test_sidecar_mode_renders_no_workload() -> None:
    docs = render({"mode": "sidecar"})
    assert not list(pod_specs(docs))
    assert not by_kind(docs, "Service")
    (np,) = by_kind(docs, "NetworkPolicy")
    assert np["spec"]["podSelector"]["matchLabels"] == {"egressguard.io/sidecar": f"{RELEASE}-egressguard"}


def test_podmonitor_selects_the_agent_pods(example_dir: Path) -> None:
    docs = render_example(example_dir, {"egressguard": {"metrics": {"podMonitor": {"enabled": True}}}})
    (pm,) = by_kind(docs, "PodMonitor")
    pod = next(iter(by_kind(docs, "Deployment")))["spec"]["template"]
    assert pm["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    port = pm["spec"]["podMetricsEndpoints"][0]["port"]
    sidecar = pod["spec"]["initContainers"][1]
    assert port in {p["name"] for p in sidecar["ports"]}


def test_every_example_container_is_hardened(example: list[dict[str, Any]]) -> None:
    from .test_render import _assert_hardened

    spec = agent_pod(example)
    for c in containers(spec):
        _assert_hardened("agent pod", c, spec.get("securityContext", {}))
