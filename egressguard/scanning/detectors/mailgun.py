"""Mailgun private API keys."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://documentation.mailgun.com/docs/mailgun/api-reference/authentication  ("key-" + 32 hex)
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/mailgun.go
PATTERN = re.compile(rb"(?<![A-Za-z0-9_-])key-[0-9a-f]{32}(?![A-Za-z0-9_-])")


class MailgunApiKey(RegexDetector):
    name: ClassVar[str] = "mailgun_api_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"key-[0-9a-f]{32}",)
    reach: ClassVar[tuple[int, int]] = (40, 4)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value[4:], min_entropy=3.0)
