"""What a scan takes and gives back: limits, thresholds, managed secrets, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from egressguard.decision import Finding, Reason


@dataclass(frozen=True)
class ScanLimits:
    max_decoded_bytes: int = 32 * 1024 * 1024  # total decoded bytes inspected per request
    max_depth: int = 4  # nesting of encodings (gzip in base64 in JSON...)
    max_parts: int = 1000  # multipart parts / form fields considered


@dataclass(frozen=True)
class BulkThresholds:
    emails: int = 50  # distinct e-mail addresses in one request
    cards: int = 10  # distinct Luhn-valid card numbers
    archive_bytes: int = 1024 * 1024  # zip/tar/gzip archive/git pack larger than this once decoded


@dataclass(frozen=True)
class ExactSecret:
    """A managed secret's real value or its placeholder. The value never prints."""

    name: str
    value: bytes = field(repr=False)
    kind: Literal["value", "placeholder"]

    def __repr__(self) -> str:
        return f"ExactSecret(name={self.name!r}, kind={self.kind!r}, value=<redacted>)"

    __str__ = __repr__


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    reason: Reason | None
    undecodable: bool
    matched_secrets: frozenset[str]
    # Detectors (or decoders) that raised during this scan. The scan goes on without them,
    # but the request is denied internal_error: a part of it was not inspected.
    failed: frozenset[str] = frozenset()

    @property
    def clean(self) -> bool:
        return not self.findings


DEFAULT_LIMITS = ScanLimits()
DEFAULT_BULK = BulkThresholds()
