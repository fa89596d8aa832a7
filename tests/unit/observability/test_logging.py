"""One JSON object per line, flushed; managed values never reach the output."""

from __future__ import annotations

import io
import json

import structlog

from egressguard.observability import logging as eglog


def test_lines_are_json_and_redacted() -> None:
    out = io.StringIO()
    try:
        eglog.configure(out)
        eglog.set_redactor(eglog.redact_exact(["sup3r-s3cret", 'with"quote']))
        log = structlog.get_logger()
        log.info("egress.decision", message="leaked sup3r-s3cret", nested={"k": ['with"quote']})
        log.info("other", n=1)
    finally:
        eglog.set_redactor(None)
        structlog.reset_defaults()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["event"] == "egress.decision" and "timestamp" in first
    assert "sup3r-s3cret" not in out.getvalue() and "quote" not in out.getvalue()
    assert first["message"] == "leaked [REDACTED]"


def test_short_values_make_no_redactor() -> None:
    assert eglog.redact_exact(["ab"]) is None
