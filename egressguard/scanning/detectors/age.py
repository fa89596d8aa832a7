"""age encryption secret keys."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://github.com/C2SP/C2SP/blob/main/age.md#the-x25519-recipient-type  (Bech32 "AGE-SECRET-KEY-1...")
PATTERN = re.compile(rb"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Za-z0-9])")


class AgeSecretKey(RegexDetector):
    name: ClassVar[str] = "age_secret_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",)
    reach: ClassVar[tuple[int, int]] = (80, 4)
    pattern = PATTERN
