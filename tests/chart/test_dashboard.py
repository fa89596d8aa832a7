"""The Grafana dashboard: provisionable JSON whose queries use only metrics the code exports."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import DASHBOARD, by_kind, render, tool

# SPEC's list, used when the code's registry cannot be imported.
SPEC_METRICS = {
    "egressguard_requests_total",
    "egressguard_findings_total",
    "egressguard_request_bytes_total",
    "egressguard_decision_seconds_bucket",
    "egressguard_decision_seconds_sum",
    "egressguard_decision_seconds_count",
    "egressguard_approvals_pending",
    "egressguard_policy_reloads_total",
    "egressguard_policy_rules",
    "egressguard_build_info",
}
PANELS_WANTED = {
    "Decisions by verdict": "egressguard_requests_total",
    "Denials by reason": "egressguard_requests_total",
    "Findings by detector": "egressguard_findings_total",
    "Bytes out by verdict": "egressguard_request_bytes_total",
    "Decision latency": "egressguard_decision_seconds_bucket",
    "Approvals pending": "egressguard_approvals_pending",
    "Policy reloads": "egressguard_policy_reloads_total",
}


def exported_metrics() -> set[str]:
    """Sample names the code's registry exports (EgressMetrics), else SPEC's list."""
    try:
        from prometheus_client import CollectorRegistry

        from egressguard.observability.metrics import EgressMetrics
    except ImportError:
        return SPEC_METRICS
    registry = CollectorRegistry()
    EgressMetrics(registry)
    names: set[str] = set()
    for family in registry.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [""])
        names.update(family.name + s for s in suffixes)
    return names


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for p in dashboard["panels"]:
        if p["type"] == "row":
            yield from p.get("panels", [])
        else:
            yield p


def exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in panels(dashboard) for t in p["targets"]]


def test_provisionable_identity(dashboard: dict[str, Any]) -> None:
    assert dashboard["uid"] == "egressguard-overview"
    assert dashboard["id"] is None
    assert "__inputs" not in dashboard and "__requires" not in dashboard
    assert "DS_PROMETHEUS" not in DASHBOARD.read_text()


def test_datasource_variable_used_everywhere(dashboard: dict[str, Any]) -> None:
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    ds = variables["datasource"]
    assert ds["type"] == "datasource" and ds["query"] == "prometheus"
    expected = {"type": "prometheus", "uid": "${datasource}"}
    for v in variables.values():
        if v["type"] == "query":
            assert v["datasource"] == expected, v["name"]
    for p in panels(dashboard):
        assert p["datasource"] == expected, p["title"]
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"] == expected, p["title"]


def test_panel_ids_unique_and_grid_sane(dashboard: dict[str, Any]) -> None:
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for p in dashboard["panels"]:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"]


def test_required_panels(dashboard: dict[str, Any]) -> None:
    by_title = {p["title"]: p for p in panels(dashboard)}
    for title, metric in PANELS_WANTED.items():
        assert title in by_title, title
        assert any(metric in t["expr"] for t in by_title[title]["targets"]), title
    latency = [t["expr"] for t in by_title["Decision latency"]["targets"]]
    assert {re.search(r"histogram_quantile\((0\.\d+)", e).group(1) for e in latency} == {"0.5", "0.9", "0.99"}  # type: ignore[union-attr]
    assert "by (decision)" in by_title["Decisions by verdict"]["targets"][0]["expr"]
    assert "by (reason)" in by_title["Denials by reason"]["targets"][0]["expr"]
    assert "by (detector)" in by_title["Findings by detector"]["targets"][0]["expr"]


def test_every_metric_exists_in_the_code(dashboard: dict[str, Any]) -> None:
    known = exported_metrics()
    queries = exprs(dashboard) + [
        v["definition"] for v in dashboard["templating"]["list"] if v["type"] == "query"
    ]
    used = {m for q in queries for m in re.findall(r"\begressguard_[a-z_]+", q)}
    assert used, "no metric used"
    assert used <= known, f"unknown metrics: {sorted(used - known)}"


def _as_promql(expr: str) -> str:
    expr = expr.replace("$__rate_interval", "5m").replace("$__range", "1h").replace("$__interval", "1m")
    return re.sub(r"\$\{?[A-Za-z_]\w*\}?", ".*", expr)


def test_every_expression_parses(dashboard: dict[str, Any], tmp_path: Path) -> None:
    group = {
        "name": "dashboard",
        "rules": [
            {"record": f"dashboard:expr_{i}", "expr": _as_promql(e)} for i, e in enumerate(exprs(dashboard))
        ],
    }
    path = tmp_path / "dashboard.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [group]}))
    done = subprocess.run(
        [tool("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_legends_survive_the_chart() -> None:
    docs = render({"dashboard": {"enabled": True}})
    (cm,) = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-dashboard")]
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    shipped = json.loads(cm["data"]["egressguard.json"])
    assert shipped == json.loads(DASHBOARD.read_text())
    assert "{{decision}}" in cm["data"]["egressguard.json"]
