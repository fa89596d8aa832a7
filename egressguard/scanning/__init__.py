"""The pure scanning core: secrets and bulk data in request URLs, headers, bodies and messages.

No mitmproxy, no clock, no network. `Scanner` is built once (it compiles its Hyperscan
databases) and is then called per request; see docs/scanning.md.
"""

from __future__ import annotations

from egressguard.scanning.base import Detector, Match
from egressguard.scanning.detectors import DEFAULT_DETECTORS
from egressguard.scanning.scanner import Scanner
from egressguard.scanning.types import BulkThresholds, ExactSecret, ScanLimits, ScanResult

__all__ = [
    "DEFAULT_DETECTORS",
    "BulkThresholds",
    "Detector",
    "ExactSecret",
    "Match",
    "ScanLimits",
    "ScanResult",
    "Scanner",
]
