"""The detector contract: what a token family must provide to the scanner.

A detector is two halves. `prefilter` holds Hyperscan expressions that are cheap to run over
every byte of traffic (a literal prefix and a bounded class, never a negated leading class);
a hit only says "look near here". `find` then validates exactly, with Python `re` and any
checksum, inside a window of `reach` bytes around the hit. Detectors never see locations,
fingerprints or policy: they report spans, and the scanner builds `Finding`s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, NamedTuple, Protocol


class Match(NamedTuple):
    """A secret at data[start:end].

    `weak`: the value has the family's shape but not its proof (a checksum that fails, a
    published example key, too little entropy for free text). The scanner reports a weak
    match only where the value sits in a credential position (an Authorization/Cookie/
    X-*-Key header, a query or form parameter, a JSON/YAML key or variable whose name says
    key/token/secret/password/auth); in free text only strong matches count.
    """

    start: int
    end: int
    weak: bool = False


class Detector(Protocol):
    name: ClassVar[str]  # stable id used in logs and metrics: never rename
    prefilter: ClassVar[tuple[bytes, ...]]  # Hyperscan expressions; a hit's end offset triggers `find`
    reach: ClassVar[tuple[int, int]]  # bytes before and after a hit end that `find` needs to see
    split_safe: ClassVar[bool]  # precise enough to also run on field values joined together

    def find(self, data: bytes, start: int, end: int) -> Iterator[Match]:
        """Yield validated matches lying within data[start:end]."""
        ...


class RegexDetector:
    """A detector whose exact form is one regular expression plus an optional `valid` check.

    Subclasses set `pattern` (bounded quantifiers only: it runs on attacker input) and, when
    the secret is a sub-part of the match, `group`.
    """

    name: ClassVar[str]
    prefilter: ClassVar[tuple[bytes, ...]]
    reach: ClassVar[tuple[int, int]] = (64, 256)
    split_safe: ClassVar[bool] = True
    pattern: ClassVar[re.Pattern[bytes]]
    group: ClassVar[int] = 0

    def find(self, data: bytes, start: int, end: int) -> Iterator[Match]:
        for m in self.pattern.finditer(data, start, end):
            s, e = m.span(self.group)
            if s >= 0 and self.valid(data[s:e], m):
                yield Match(s, e)

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<detector {self.name}>"
