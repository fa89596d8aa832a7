"""Bulk personal data: distinct e-mail addresses and card numbers counted across one request.

A few addresses are ordinary (a commit author, a "to" field); a request carrying many is an
export. Counting is by distinct normalised value so repeating one address does not add up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# ref: https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2 (practical subset: dot-atom local part,
# dotted host with an alphabetic TLD). Bounded quantifiers only.
EMAIL = re.compile(
    rb"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}"
    rb"[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
EMAIL_PREFILTER = rb"[A-Za-z0-9._%+-]@[A-Za-z0-9-]{1,63}\.[A-Za-z]{2}"
EMAIL_REACH = (80, 300)
# Every distinct address counts, documentation domains (example.com) included: a dump is a
# dump whatever its domain, and 50 distinct addresses do not occur in ordinary requests.


def find_emails(data: bytes, start: int, end: int) -> Iterator[bytes]:
    for m in EMAIL.finditer(data, start, end):
        yield m.group().lower()


@dataclass(slots=True)
class BulkCounter:
    """Distinct values seen so far in one request, capped so memory stays bounded."""

    emails_threshold: int
    cards_threshold: int
    emails: set[bytes] = field(default_factory=set)
    cards: set[bytes] = field(default_factory=set)

    def add_email(self, addr: bytes) -> bool:
        """Record an address; True exactly when this one reaches the threshold."""
        if len(self.emails) >= self.emails_threshold:
            return False
        self.emails.add(addr)
        return len(self.emails) == self.emails_threshold

    def add_card(self, digits: bytes) -> bool:
        if len(self.cards) >= self.cards_threshold:
            return False
        self.cards.add(digits)
        return len(self.cards) == self.cards_threshold

    @property
    def emails_over(self) -> bool:
        return len(self.emails) >= self.emails_threshold

    @property
    def cards_over(self) -> bool:
        return len(self.cards) >= self.cards_threshold

    def emails_digest(self) -> bytes:
        return b"\n".join(sorted(self.emails))

    def cards_digest(self) -> bytes:
        return b"\n".join(sorted(self.cards))
