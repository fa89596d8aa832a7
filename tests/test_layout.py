"""The shape STYLE.md asks for, checked: the pure core never imports mitmproxy, only the
credentials package reveals secret values, and SPEC's vocabulary is spelled in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from egressguard.decision import Reason, Verdict

PKG = Path(__file__).resolve().parent.parent / "egressguard"
CORE = ("policy", "scanning", "credentials", "netguard", "approval", "observability")
ADAPTERS = ("addons", "servers", "cli")


def modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in modules()
        if p.relative_to(PKG).parts[0] in CORE or (p.parent == PKG and p.name != "__main__.py")
    ],
    ids=lambda p: str(p.relative_to(PKG)),
)
def test_core_never_imports_mitmproxy_or_adapters(path: Path) -> None:
    bad = {
        m
        for m in imports(path)
        if m.split(".")[0] == "mitmproxy" or m.startswith(tuple(f"egressguard.{a}" for a in ADAPTERS))
    }
    assert not bad, f"{path}: core imports {bad}"


def test_decision_imports_nothing_of_ours() -> None:
    assert not {m for m in imports(PKG / "decision.py") if m.startswith("egressguard")}


def test_policy_never_imports_scanning() -> None:
    for path in (PKG / "policy").rglob("*.py"):
        assert not {m for m in imports(path) if m.startswith("egressguard.scanning")}, path


def test_only_credentials_reveal_secret_values() -> None:
    callers = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "reveal" and isinstance(node.ctx, ast.Load):
                callers.append(path.relative_to(PKG))
    assert callers and all(p.parts[0] == "credentials" for p in callers), callers


def test_reasons_and_verdicts_are_exactly_specs() -> None:
    assert {r.value for r in Reason} == {
        "host_not_allowed",
        "port_not_allowed",
        "method_not_allowed",
        "path_not_allowed",
        "denied_by_rule",
        "private_address",
        "host_mismatch",
        "secret_detected",
        "bulk_data_detected",
        "body_too_large",
        "approval_denied",
        "approval_timeout",
        "protocol_not_allowed",
        "rate_limited",
        "internal_error",
        # Part 2
        "tool_not_allowed",
        "tool_args_not_allowed",
        "tool_changed",
        "budget_exceeded",
        "quarantined",
        # documented in the README where SPEC is silent
        "headers_too_large",
        "request_timeout",
        "client_aborted",
        "upstream_timeout",
        "upstream_error",
    }
    assert {v.value for v in Verdict} == {"allow", "deny", "audit", "hold"}


def test_reason_strings_are_not_spelled_elsewhere() -> None:
    spelled = []
    for path in modules():
        if path.name == "decision.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            # "approval_timeout" is also a policy key, which the schema must spell
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in {r.value for r in Reason}
                and not (path.parts[-2:] == ("policy", "schema.py") and node.value == "approval_timeout")
            ):
                spelled.append(f"{path.relative_to(PKG)}:{node.lineno} {node.value}")
    allowed = {"cli/suggest.py"}  # reads other processes' log lines, where reasons are text
    assert all(s.split(":")[0] in allowed for s in spelled), spelled


def test_every_metric_spec_names_is_declared() -> None:
    from prometheus_client import CollectorRegistry

    from egressguard.observability.metrics import EgressMetrics

    registry = CollectorRegistry()
    EgressMetrics(registry)
    names = {m.name for m in registry.collect()}
    assert {
        "egressguard_requests",
        "egressguard_findings",
        "egressguard_request_bytes",
        "egressguard_decision_seconds",
        "egressguard_approvals_pending",
        "egressguard_policy_reloads",
        "egressguard_policy_rules",
        "egressguard_build_info",
    } <= names
