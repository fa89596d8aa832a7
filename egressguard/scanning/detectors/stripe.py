"""Stripe secret and restricted API keys (live and test) and webhook signing secrets."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://docs.stripe.com/keys#obtain-api-keys  (publishable pk_ keys are public: not matched)
# ref: https://docs.stripe.com/webhooks#verify-events  (whsec_ signing secrets)
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247}|whsec_[A-Za-z0-9+/]{32,64})(?![A-Za-z0-9_])"
)


class StripeKey(RegexDetector):
    name: ClassVar[str] = "stripe_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (
        rb"[sr]k_(?:live|test)_[A-Za-z0-9]{24}",
        rb"whsec_[A-Za-z0-9+/]{32}",
    )
    reach: ClassVar[tuple[int, int]] = (40, 256)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value.rpartition(b"_")[2], min_entropy=3.5)
