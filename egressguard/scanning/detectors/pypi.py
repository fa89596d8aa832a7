"""PyPI (and TestPyPI) API tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://pypi.org/help/#apitoken  (macaroons: "pypi-" + base64url; the first bytes encode
# the location "pypi.org", hence the fixed "AgEIcHlwaS5vcmc" / TestPyPI "AgENdGVzdC5weXBpLm9yZw")
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_-])pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}"
)


class PypiToken(RegexDetector):
    name: ClassVar[str] = "pypi_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)",)
    reach: ClassVar[tuple[int, int]] = (32, 1010)
    pattern = PATTERN
