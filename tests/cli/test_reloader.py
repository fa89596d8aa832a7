"""A reload that fails for any reason keeps the running policy, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from egressguard.cli.reloader import Reloader
from egressguard.observability.metrics import EgressMetrics


def make(tmp_path: Path) -> tuple[Reloader, Path, CollectorRegistry]:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n")
    registry = CollectorRegistry()
    reloader = Reloader(str(path), None, b"k" * 32, EgressMetrics(registry))
    reloader.apply(reloader.compile())
    return reloader, path, registry


def errors(registry: CollectorRegistry) -> float:
    return registry.get_sample_value("egressguard_policy_reloads_total", {"result": "error"}) or 0.0


def test_a_bad_file_is_refused_and_the_old_policy_stays(tmp_path: Path) -> None:
    reloader, path, registry = make(tmp_path)
    before = reloader.holder.current  # type: ignore[union-attr]
    path.write_text("version: 1\nrules:\n  - id: a\n    hosts: ['*.com']\n")
    with capture_logs() as logs:
        assert not reloader.reload("test")
    assert reloader.holder.current is before  # type: ignore[union-attr]
    assert errors(registry) == 1
    (event,) = [e for e in logs if e["event"] == "egressguard.policy_reload"]
    assert event["result"] == "error" and any(f"{path}:4:" in p for p in event["problems"])


def test_an_unexpected_failure_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reloader, _, registry = make(tmp_path)
    before = reloader.holder.current  # type: ignore[union-attr]

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(reloader, "compile", broken)
    with capture_logs() as logs:
        assert not reloader.reload("test")
    assert reloader.holder.current is before and errors(registry) == 1  # type: ignore[union-attr]
    assert "internal error" in logs[0]["problems"][0]


def test_a_good_file_is_swapped_in(tmp_path: Path) -> None:
    reloader, path, registry = make(tmp_path)
    path.write_text("version: 1\nrules: []\n")
    assert reloader.reload("test")
    assert reloader.holder.current.policy.rules == ()  # type: ignore[union-attr]
    assert registry.get_sample_value("egressguard_policy_reloads_total", {"result": "ok"}) == 1
    assert registry.get_sample_value("egressguard_policy_rules", {"sandbox": "default"}) == 0
