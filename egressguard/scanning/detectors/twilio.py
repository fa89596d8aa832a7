"""Twilio API key SIDs' secrets and auth tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://www.twilio.com/docs/iam/api-keys  (API key SID "SK" + 32 hex; its secret is sent with it)
# ref: https://www.twilio.com/docs/iam/credentials/api  (auth token: 32 hex, assigned to a twilio name)
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])"
    rb"|(?i:twilio[A-Za-z_]{0,20}(?:auth_?token|secret))[\"']?\s{0,3}[:=]\s{0,3}[\"']?([0-9a-f]{32})(?![A-Za-z0-9])"
)


class TwilioKey(RegexDetector):
    name: ClassVar[str] = "twilio_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (
        rb"SK[0-9a-f]{32}",
        rb"(?i)twilio[A-Za-z_]{0,20}(?:auth_?token|secret)",
    )
    reach: ClassVar[tuple[int, int]] = (40, 80)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value[-32:], min_entropy=3.0)
