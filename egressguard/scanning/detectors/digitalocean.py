"""DigitalOcean personal access, OAuth and refresh tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://docs.digitalocean.com/reference/api/create-personal-access-token/  (dop_v1_ + 64 hex)
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/digitalocean.go
PATTERN = re.compile(rb"(?<![A-Za-z0-9_])do[por]_v1_[a-f0-9]{64}(?![A-Za-z0-9_])")


class DigitaloceanToken(RegexDetector):
    name: ClassVar[str] = "digitalocean_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"do[por]_v1_[a-f0-9]{64}",)
    reach: ClassVar[tuple[int, int]] = (76, 4)
    pattern = PATTERN
