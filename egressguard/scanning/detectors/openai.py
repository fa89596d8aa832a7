"""OpenAI API keys (legacy user keys, project, service-account and admin keys)."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://platform.openai.com/docs/api-reference/authentication
# Keys embed "T3BlbkFJ" (base64 of "OpenAI"); sk-proj-/sk-svcacct-/sk-admin- keys are long
# base64url strings with the same marker.
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}"
    rb"(?![A-Za-z0-9_-])"
)


class OpenaiApiKey(RegexDetector):
    name: ClassVar[str] = "openai_api_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"T3BlbkFJ",)
    reach: ClassVar[tuple[int, int]] = (232, 210)
    pattern = PATTERN
