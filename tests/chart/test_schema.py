"""values.schema.json: strict, draft-07, and it refuses the mistakes people make."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import CHART, tool

helm_python = pytest.importorskip(
    "helm_python", reason="helm-python-sdk not installed (pip install helm-python-sdk==0.2.2)"
)

SCHEMA_PATH = CHART / "values.schema.json"
# Object nodes that hold Kubernetes or user-defined structures, not chart settings.
FREE_FORM = {
    "/properties/global",
    "/properties/proxy/properties/extraEnv/items/properties/valueFrom",
    "/properties/affinity/properties/nodeAffinity",
    "/properties/affinity/properties/podAffinity",
    "/properties/affinity/properties/podAntiAffinity",
}


@pytest.fixture(scope="module")
def chart() -> Iterator[Any]:
    loaded = helm_python.Chart.load(CHART)
    yield loaded
    loaded.close()


def test_schema_is_draft_07_and_passes_the_metaschema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    done = subprocess.run(
        [tool("check-jsonschema"), "--check-metaschema", str(SCHEMA_PATH)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" or (isinstance(node.get("type"), list) and "object" in node["type"]):
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}/{i}")


def test_additional_properties_closed_at_every_level() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    for path, node in _objects(schema):
        if path in FREE_FORM or path.startswith("/properties/extraObjects") or path.endswith("/items"):
            continue  # array items of Kubernetes types (peers, tolerations, ...) are free-form
        if "properties" in node:
            assert node.get("additionalProperties") is False, f"{path or '/'} is open"
        else:  # a map: its values must be typed
            assert isinstance(node.get("additionalProperties"), dict), f"{path} is an untyped map"


def test_every_default_value_is_described_by_the_schema(chart: Any) -> None:
    chart.validate_schema(chart.values)
    schema = json.loads(SCHEMA_PATH.read_text())
    assert set(chart.values) <= set(schema["properties"])


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        pytest.param({"bogus": 1}, "bogus", id="unknown top-level key"),
        pytest.param({"image": {"tga": "1.0"}}, "tga", id="misspelt nested key"),
        pytest.param(
            {"metrics": {"serviceMonitor": {"enable": True}}}, "enable", id="misspelt monitor switch"
        ),
        pytest.param({"mode": "daemonset"}, "mode", id="bad deployment mode"),
        pytest.param({"proxy": {"mode": "permissive"}}, "mode", id="bad enforcement mode"),
        pytest.param({"ports": {"proxy": 0}}, "proxy", id="port zero"),
        pytest.param({"ports": {"metrics": 70000}}, "metrics", id="port above 65535"),
        pytest.param({"ports": {"admin": "9465"}}, "admin", id="port as a string"),
        pytest.param({"sidecar": {"agentUID": 10001}}, "agentUID", id="agent with the proxy's UID"),
        pytest.param(
            {"containerSecurityContext": {"runAsNonRoot": False}}, "runAsNonRoot", id="proxy as root"
        ),
        pytest.param({"containerSecurityContext": {"privileged": True}}, "privileged", id="privileged proxy"),
        pytest.param(
            {"containerSecurityContext": {"capabilities": {"drop": []}}}, "drop", id="capabilities kept"
        ),
        pytest.param(
            {"containerSecurityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]}}},
            "add",
            id="NET_ADMIN on the proxy",
        ),
        pytest.param(
            {"containerSecurityContext": {"readOnlyRootFilesystem": False}},
            "readOnlyRootFilesystem",
            id="writable root filesystem",
        ),
        pytest.param({"policy": {"files": {"policy.json": "{}"}}}, "policy", id="policy file not YAML"),
        pytest.param({"image": {"digest": "latest"}}, "digest", id="digest not sha256"),
        pytest.param({"sidecar": {"init": {"backend": "bpf"}}}, "backend", id="unknown iptables backend"),
        pytest.param({"metrics": {"job": "proxy"}}, "job", id="job the alert rules would not select"),
        pytest.param({"replicaCount": -1}, "replicaCount", id="negative replicas"),
        pytest.param(
            {"networkPolicy": {"exceptCIDRs": ["10.0.0.0"]}}, "exceptCIDRs", id="CIDR without prefix"
        ),
    ],
)
def test_schema_rejects(chart: Any, values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(helm_python.HelmValuesError, match=complaint):
        chart.validate_schema(values)


def test_strict_lint_reports_schema_errors() -> None:
    report = helm_python.lint(CHART, {"mode": "daemonset"}, strict=True, kube_version="v1.30.0")
    assert any(m["severity"] == 3 and "/mode" in m["error"] for m in report["messages"])


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(
            {"global": {"imageRegistry": "example.com", "anything": {"goes": 1}}}, id="global is free"
        ),
        pytest.param({"mode": "sidecar", "proxy": {"mode": "audit"}}, id="sidecar in audit"),
        pytest.param({"ports": {"proxy": 3128, "metrics": 9090, "admin": 1}}, id="other ports"),
        pytest.param({"pdb": {"minAvailable": "50%"}}, id="percentage PDB"),
        pytest.param(
            {"policy": {"files": {"00-base.yaml": "version: 1\n", "10-llm.yml": "version: 1\n"}}},
            id="several policy files",
        ),
    ],
)
def test_schema_accepts(chart: Any, values: dict[str, Any]) -> None:
    chart.validate_schema(values)
