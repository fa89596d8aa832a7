"""Google API keys (Maps, Gemini, Firebase...)."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://cloud.google.com/docs/authentication/api-keys  ("AIza" followed by 35 characters)
PATTERN = re.compile(rb"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")


class GoogleApiKey(RegexDetector):
    name: ClassVar[str] = "google_api_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"AIza[0-9A-Za-z_-]{35}",)
    reach: ClassVar[tuple[int, int]] = (44, 4)
    pattern = PATTERN
