"""Anthropic API and admin keys."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://docs.anthropic.com/en/api/getting-started#authentication  (keys: sk-ant-api03-..., 108 chars)
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/anthropic.go
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|sid|oat)[0-9]{2}-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])"
)


class AnthropicApiKey(RegexDetector):
    name: ClassVar[str] = "anthropic_api_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"sk-ant-(?:api|admin|sid|oat)[0-9]{2}-",)
    reach: ClassVar[tuple[int, int]] = (24, 130)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value[14:], min_entropy=4.0)
