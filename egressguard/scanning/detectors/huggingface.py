"""Hugging Face user access tokens and organisation API tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://huggingface.co/docs/hub/security-tokens  ("hf_" + 34 letters)
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/huggingface.go
PATTERN = re.compile(rb"(?<![A-Za-z0-9_])(?:hf_|api_org_)[A-Za-z]{34}(?![A-Za-z0-9_])")


class HuggingfaceToken(RegexDetector):
    name: ClassVar[str] = "huggingface_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"(?:hf_|api_org_)[A-Za-z]{34}",)
    reach: ClassVar[tuple[int, int]] = (48, 4)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value[-34:], min_entropy=4.0)
