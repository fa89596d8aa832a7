"""GitLab tokens (personal, OAuth app, deploy, runner, trigger, CI job, feed...)."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://docs.gitlab.com/security/tokens/#token-prefixes
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_-])(?:glpat|gloas|gldt|glrt|glptt|glcbt|glimt|glagent|glsoat|glffct|glft|glwt)-"
    rb"[A-Za-z0-9_-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?(?![A-Za-z0-9_-])"
    rb"|(?<![A-Za-z0-9_-])GR1348941[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])"
)


class GitlabToken(RegexDetector):
    name: ClassVar[str] = "gitlab_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (
        rb"gl(?:pat|oas|dt|rt|ptt|cbt|imt|agent|soat|ffct|ft|wt)-[A-Za-z0-9_-]{20}",
        rb"GR1348941[A-Za-z0-9_-]{20}",
    )
    reach: ClassVar[tuple[int, int]] = (40, 80)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value.partition(b"-")[2] or value[9:], min_entropy=3.0)
