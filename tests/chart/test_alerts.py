"""Alert rules: one file for promtool and the chart, unit-tested with `promtool test rules`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, RULES, RULES_TEST, RUNBOOKS, by_kind, render, tool

CRITICAL = {
    "EgressguardSecretExfiltrationAttempt",
    "EgressguardBulkDataExfiltrationAttempt",
    "EgressguardInternalErrors",
    "EgressguardDown",
}
WARNING = {
    "EgressguardPrivateAddressAttempt",
    "EgressguardHighDenyRate",
    "EgressguardApprovalsPending",
    "EgressguardPolicyReloadFailed",
}
SECURITY = {
    "EgressguardSecretExfiltrationAttempt",
    "EgressguardBulkDataExfiltrationAttempt",
    "EgressguardPrivateAddressAttempt",
}
RUNBOOK_PREFIX = "https://github.com/egressguard/egressguard/blob/main/"


def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("promtool"), *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


def test_rules_file_passes_promtool_check() -> None:
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_pass() -> None:
    done = promtool("test", "rules", str(RULES_TEST))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_alert_has_a_unit_test() -> None:
    tested = {
        t["alertname"]
        for case in yaml.safe_load(RULES_TEST.read_text())["tests"]
        for t in case.get("alert_rule_test", [])
        if t.get("exp_alerts")
    }
    assert tested == CRITICAL | WARNING


def test_alert_names_and_severities() -> None:
    by_name = {r["alert"]: r for r in rules()}
    assert set(by_name) == CRITICAL | WARNING
    for name, rule in by_name.items():
        assert rule["labels"]["severity"] == ("critical" if name in CRITICAL else "warning"), name


def test_security_alerts_fire_at_once_and_linger() -> None:
    for rule in rules():
        if rule["alert"] in SECURITY:
            assert "for" not in rule, rule["alert"]
            assert rule["keep_firing_for"] == "15m", rule["alert"]
            assert "increase(" in rule["expr"] and ") > 0" in rule["expr"]
        else:
            assert rule["for"] in {"5m", "10m", "15m"}, rule["alert"]


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r["alert"])
def test_annotations_and_runbooks(rule: dict[str, Any]) -> None:
    notes = rule["annotations"]
    assert notes["summary"].endswith(".") and "{{" not in notes["summary"], "static sentence"
    assert "{{" in notes["description"], "templated description"
    url = notes["runbook_url"]
    assert url.startswith(RUNBOOK_PREFIX + "docs/runbooks/")
    runbook = ROOT / url.removeprefix(RUNBOOK_PREFIX)
    assert runbook.is_file(), f"missing {runbook}"
    text = runbook.read_text()
    assert rule["alert"] in text
    for heading in ("## Meaning", "## Impact", "## Diagnosis", "## Mitigation"):
        assert heading in text, f"{runbook.name} lacks {heading}"


def test_every_runbook_belongs_to_an_alert() -> None:
    linked = {r["annotations"]["runbook_url"].rsplit("/", 1)[1] for r in rules()}
    assert {p.name for p in RUNBOOKS.glob("*.md")} - {"README.md"} == linked


def test_expressions_select_the_job_and_only_spec_metrics() -> None:
    known = {
        "egressguard_requests_total",
        "egressguard_approvals_pending",
        "egressguard_policy_reloads_total",
        "up",
    }
    for rule in rules():
        assert 'job=~"egressguard.*"' in rule["expr"], rule["alert"]
        names = set(re.findall(r"\b(egressguard_[a-z_]+|up)\{", rule["expr"]))
        assert names and names <= known, rule["alert"]


def test_chart_rule_spec_is_the_file_and_passes_promtool(tmp_path: Path) -> None:
    (rule,) = by_kind(render({"prometheusRule": {"enabled": True}}), "PrometheusRule")
    assert rule["spec"] == yaml.safe_load(RULES.read_text())
    assert "{{ $labels.namespace }}" in yaml.safe_dump(rule["spec"]), "annotations must not be templated away"
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(rule["spec"]))
    done = promtool("check", "rules", str(spec_file))
    assert done.returncode == 0, done.stdout + done.stderr


def test_chart_rule_selector_comes_from_values(tmp_path: Path) -> None:
    selector = 'job="egressguard", namespace="agents"'
    values = {"prometheusRule": {"enabled": True, "selector": selector, "labels": {"release": "kps"}}}
    (rule,) = by_kind(render(values), "PrometheusRule")
    assert rule["metadata"]["labels"]["release"] == "kps"
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    assert all(selector in e and "egressguard.*" not in e for e in exprs)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(rule["spec"]))
    done = promtool("check", "rules", str(spec_file))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("values", "kinds"),
    [
        pytest.param({}, set(), id="all off by default"),
        pytest.param(
            {"metrics": {"serviceMonitor": {"enabled": True}}}, {"ServiceMonitor"}, id="service monitor"
        ),
        pytest.param({"metrics": {"podMonitor": {"enabled": True}}}, {"PodMonitor"}, id="pod monitor"),
        pytest.param({"prometheusRule": {"enabled": True}}, {"PrometheusRule"}, id="rules"),
        pytest.param({"dashboard": {"enabled": True}}, {"dashboard"}, id="dashboard"),
    ],
)
def test_monitoring_objects_only_when_enabled(values: dict[str, Any], kinds: set[str]) -> None:
    docs = render(values)
    present = {d["kind"] for d in docs} & {"ServiceMonitor", "PodMonitor", "PrometheusRule"}
    if any(d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard") for d in docs):
        present.add("dashboard")
    assert present == kinds


def test_monitors_set_the_job_label_the_rules_select() -> None:
    values = {
        "metrics": {
            "serviceMonitor": {"enabled": True, "labels": {"release": "kps"}},
            "podMonitor": {"enabled": True},
        }
    }
    docs = render(values)
    (sm,) = by_kind(docs, "ServiceMonitor")
    (pm,) = by_kind(docs, "PodMonitor")
    assert sm["metadata"]["labels"]["release"] == "kps"
    for endpoint in sm["spec"]["endpoints"] + pm["spec"]["podMetricsEndpoints"]:
        (relabel,) = endpoint["relabelings"]
        assert relabel["targetLabel"] == "job" and re.fullmatch("egressguard.*", relabel["replacement"])
    (svc,) = by_kind(docs, "Service")
    assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
    assert sm["spec"]["endpoints"][0]["port"] in {p["name"] for p in svc["spec"]["ports"]}
