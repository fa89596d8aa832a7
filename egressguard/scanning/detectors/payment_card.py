"""Payment card numbers (PANs): Luhn-valid, with a plausible issuer prefix and length."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import is_sequential

# ref: https://en.wikipedia.org/wiki/Payment_card_number#Issuer_identification_number_(IIN)
# ref: https://www.iso.org/standard/70484.html (ISO/IEC 7812-1, the Luhn check digit)
# Digits in groups separated by nothing, or consistently by single spaces or dashes.
PATTERN = re.compile(
    rb"(?<![0-9A-Za-z_./+-])(?:[0-9]{13,19}|[0-9]{4}(?:([ -])[0-9]{3,6}){2,4})(?![0-9A-Za-z_/-]|[.,:][0-9])"
)
_DIGITS = re.compile(rb"[^0-9]")
# Bare digits right after an id-like key, or as a JSON/CSV number next to other numbers, are ids.
_ID_CONTEXT = re.compile(
    rb"(?i)(?:id|ids|_no|number|num|count|seq|nonce|time|timestamp|ts|size|offset)[\"']?\s{0,3}[:=]\s{0,3}[\"'\[]?\s{0,3}$"
    rb"|[0-9][\"']?\s{0,3},\s{0,3}[\"']?$|[\[(]\s{0,3}$"
)


def luhn_ok(digits: bytes) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ch - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def issuer_ok(digits: bytes) -> bool:
    """Plausible IIN for the length: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay."""
    n = len(digits)
    p2, p4, p6 = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[:1] == b"4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 222100 <= p6 <= 272099:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if p4 == 6011 or p2 == 65 or 644 <= p4 // 10 <= 649:
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19
    if 300 <= p4 // 10 <= 305 or p2 in (36, 38, 39):
        return 14 <= n <= 19
    if p2 == 62:
        return 16 <= n <= 19
    return False


def normalize(value: bytes) -> bytes:
    return _DIGITS.sub(b"", value)


class PaymentCard(RegexDetector):
    name: ClassVar[str] = "payment_card"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"[2-6][0-9]{3}[ -]?[0-9]{3,6}[ -]?[0-9]{3,6}",)
    reach: ClassVar[tuple[int, int]] = (24, 24)
    split_safe: ClassVar[bool] = False
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        digits = normalize(value)
        if not 13 <= len(digits) <= 19 or len(set(digits)) <= 1 or is_sequential(digits[:-1]):
            return False
        if m.group(1) is None and _ID_CONTEXT.search(m.string, max(0, m.start() - 32), m.start()) is not None:
            return False
        if m.group(1) is not None:
            groups = re.split(rb"[ -]", value)
            if not (all(len(g) == 4 for g in groups[:-1]) or [len(g) for g in groups] == [4, 6, 5]):
                return False
        return issuer_ok(digits) and luhn_ok(digits)
