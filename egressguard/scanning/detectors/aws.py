"""AWS credentials: access key ids and secret access keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from egressguard.scanning.base import Match
from egressguard.scanning.filters.heuristic import is_placeholder, looks_random

# ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
# AKIA = long-term access key, ASIA = STS temporary key; 16 characters of base32 follow.
ACCESS_KEY_ID = re.compile(rb"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])")

# ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
# A secret access key is 40 characters of base64. Alone it is indistinguishable from any other
# base64, so it is reported only when assigned to a credential name or near an access key id.
SECRET_ASSIGNED = re.compile(
    rb"(?i:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key|secretaccesskey|aws_?secret)"
    rb"[\"']?\s{0,4}[:=,]\s{0,4}[\"']?(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
SECRET_BARE = re.compile(rb"(?<![A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")
_NEAR = 320


def _secret_ok(value: bytes) -> bool:
    return looks_random(value, min_entropy=4.0, min_classes=3) and not is_placeholder(value)


class AwsAccessKeyId:
    name: ClassVar[str] = "aws_access_key_id"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",)
    reach: ClassVar[tuple[int, int]] = (24, 4)
    split_safe: ClassVar[bool] = True

    def find(self, data: bytes, start: int, end: int) -> Iterator[Match]:
        for m in ACCESS_KEY_ID.finditer(data, start, end):
            if not is_placeholder(m.group()):
                yield Match(m.start(), m.end())


class AwsSecretAccessKey:
    name: ClassVar[str] = "aws_secret_access_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (
        rb"(?i)secret_?access_?key",
        rb"(?i)aws_?secret",
        rb"(?:AKIA|ASIA)[A-Z2-7]{16}",
    )
    reach: ClassVar[tuple[int, int]] = (_NEAR, _NEAR)
    split_safe: ClassVar[bool] = False

    def find(self, data: bytes, start: int, end: int) -> Iterator[Match]:
        seen: set[int] = set()
        for m in SECRET_ASSIGNED.finditer(data, start, end):
            if _secret_ok(m.group(1)):
                seen.add(m.start(1))
                yield Match(m.start(1), m.end(1))
        for key_id in ACCESS_KEY_ID.finditer(data, start, end):
            lo, hi = max(start, key_id.start() - _NEAR), min(end, key_id.end() + _NEAR)
            for m in SECRET_BARE.finditer(data, lo, hi):
                if m.start(1) not in seen and _secret_ok(m.group(1)):
                    seen.add(m.start(1))
                    yield Match(m.start(1), m.end(1))
