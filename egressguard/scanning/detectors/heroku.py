"""Heroku API keys (HRKU- platform keys, and legacy UUID keys assigned to a Heroku name)."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://devcenter.heroku.com/articles/authentication#api-token-storage  (HRKU- prefixed tokens)
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/heroku.go
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_-])HRKU-AA[0-9A-Za-z_-]{58}(?![A-Za-z0-9_-])"
    rb"|(?i:heroku[A-Za-z_]{0,20}(?:api_?key|token|secret))[\"']?\s{0,3}[:=]\s{0,3}[\"']?"
    rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![A-Za-z0-9-])"
)


class HerokuApiKey(RegexDetector):
    name: ClassVar[str] = "heroku_api_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (
        rb"HRKU-AA[0-9A-Za-z_-]{58}",
        rb"(?i)heroku[A-Za-z_]{0,20}(?:key|token|secret)",
    )
    reach: ClassVar[tuple[int, int]] = (70, 80)
    pattern = PATTERN
