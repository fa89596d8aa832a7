"""structlog set up once: one JSON object per line on stdout, flushed per line.

The last processor removes every managed secret's value from every event, whatever the
code that logged it did (defence in depth: nothing should have put it there).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

import structlog

Redactor = Callable[[str], str]
_REDACTED = "[REDACTED]"


class _Redact:
    """Holds the current redaction function (swapped on policy reload). It is applied to
    the rendered line, so nested values and exception text are covered too."""

    def __init__(self) -> None:
        self.redact: Redactor | None = None


class _LineWriter:
    """Writes a rendered line, redacted, and flushes: no decision sits in a buffer."""

    def __init__(self, stream: TextIO, redact: _Redact) -> None:
        self._stream = stream
        self._redact = redact
        self._lock = threading.Lock()

    def msg(self, line: str) -> None:
        if self._redact.redact is not None:
            line = self._redact.redact(line)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    info = warning = error = critical = debug = exception = msg


class _Factory:
    def __init__(self, writer: _LineWriter) -> None:
        self._writer = writer

    def __call__(self, *_args: Any) -> _LineWriter:
        return self._writer


_redact = _Redact()


def set_redactor(redact: Redactor | None) -> None:
    _redact.redact = redact


def _dumps(obj: Any, **kw: Any) -> str:
    return json.dumps(obj, default=str, ensure_ascii=False, separators=(",", ":"))


def configure(stream: TextIO | None = None) -> None:
    writer = _LineWriter(stream or sys.stdout, _redact)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_dumps),
        ],
        logger_factory=_Factory(writer),
        # the proxy configures once at start; a cached bound logger saves work per line
        cache_logger_on_first_use=True,
    )


def get_logger() -> Any:
    return structlog.get_logger()


def redact_exact(values: list[str]) -> Redactor | None:
    """A redactor that replaces each value (and its JSON-escaped form) with [REDACTED]."""
    needles: set[str] = set()
    for v in values:
        if len(v) >= 4:
            needles.add(v)
            needles.add(json.dumps(v, ensure_ascii=False)[1:-1])
            needles.add(json.dumps(v)[1:-1])
    ordered = sorted(needles, key=len, reverse=True)
    if not ordered:
        return None

    def redact(line: str) -> str:
        for n in ordered:
            if n in line:
                line = line.replace(n, _REDACTED)
        return line

    return redact
