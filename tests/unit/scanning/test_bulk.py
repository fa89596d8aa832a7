"""E-mail extraction and distinct counting."""

from __future__ import annotations

import pytest

from egressguard.scanning.bulk import BulkCounter, find_emails


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            b"mail Ann.Lee+x@Mail.Acme.io now", [b"ann.lee+x@mail.acme.io"], id="normalised to lower case"
        ),
        pytest.param(b"@decorator\ndef f(): pass", [], id="a decorator is not an address"),
        pytest.param(
            b"user@example.com doc@x.test",
            [b"user@example.com", b"doc@x.test"],
            id="documentation domains count too",
        ),
        pytest.param(
            b"a@corp-example.com", [b"a@corp-example.com"], id="a domain ending in example.com counts"
        ),
        pytest.param(b"git@github.com:org/repo.git", [b"git@github.com"], id="scp-style git remote"),
    ],
)
def test_find_emails(text: bytes, expected: list[bytes]) -> None:
    assert list(find_emails(text, 0, len(text))) == expected


def test_counter_reports_the_threshold_once_and_stays_bounded() -> None:
    counter = BulkCounter(emails_threshold=3, cards_threshold=2)
    assert [counter.add_email(b"%d@a.io" % i) for i in range(5)] == [False, False, True, False, False]
    assert len(counter.emails) == 3 and counter.emails_over
    assert (
        counter.add_card(b"1") is False and counter.add_card(b"1") is False and counter.add_card(b"2") is True
    )
