"""Keyed fingerprints."""

from __future__ import annotations

from egressguard.scanning.fingerprint import fingerprint


def test_fingerprint_is_stable_keyed_and_opaque() -> None:
    value = b"hunter2-but-longer"
    assert fingerprint(b"k", value) == fingerprint(b"k", value)
    assert fingerprint(b"k", value) != fingerprint(b"other", value)
    assert len(fingerprint(b"k", value)) == 32
    assert value.hex() not in fingerprint(b"k", value)
