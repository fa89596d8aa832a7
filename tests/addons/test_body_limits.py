"""Streamed responses are cleaned across any chunking, keeping their length."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from egressguard.addons.body_limits import StreamRedactor

NEEDLES = [b"sup3r-secret-value", b"c3VwM3Itc2VjcmV0"]


def run(data: bytes, cuts: list[int]) -> bytes:
    redactor = StreamRedactor(sorted(NEEDLES, key=len, reverse=True))
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    out = b"".join(redactor(data[a:b]) for a, b in itertools.pairwise(points) if b > a)
    return out + redactor(b"")


@given(
    prefix=st.binary(max_size=200),
    middle=st.binary(max_size=200),
    cuts=st.lists(st.integers(min_value=0, max_value=1000), max_size=20),
)
def test_no_chunking_lets_a_value_through(prefix: bytes, middle: bytes, cuts: list[int]) -> None:
    data = prefix + NEEDLES[0] + middle + NEEDLES[1] + prefix
    out = run(data, cuts)
    assert len(out) == len(data)
    assert NEEDLES[0] not in out and NEEDLES[1] not in out


def test_clean_data_passes_unchanged() -> None:
    data = bytes(range(256)) * 100
    assert run(data, [7, 300, 5000]) == data
