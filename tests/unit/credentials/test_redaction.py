from __future__ import annotations

from egressguard.credentials.redaction import REDACTED, redact


def test_every_needle_is_replaced_and_counted() -> None:
    data, count = redact(b"a SECRETVALUE b SECRETVALUE c U0VDUkVU", [b"SECRETVALUE", b"U0VDUkVU"])
    assert data == b"a " + REDACTED + b" b " + REDACTED + b" c " + REDACTED and count == 3


def test_clean_data_is_untouched() -> None:
    assert redact(b"nothing here", [b"SECRETVALUE"]) == (b"nothing here", 0)
