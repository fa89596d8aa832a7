"""A secret's value never shows in repr, str, format or pickling."""

from __future__ import annotations

import pickle

import pytest

from egressguard.credentials.secret_value import SecretValue


def test_nothing_prints_the_value() -> None:
    value = SecretValue("hunter2-very-secret")
    for text in (
        repr(value),
        str(value),
        f"{value}",
        f"{value!r}",
        "%s" % value,  # noqa: UP031 - the old formatting path must hide it too
        repr([value]),
        repr({"k": value}),
    ):
        assert "hunter2" not in text
    assert value.reveal() == "hunter2-very-secret"


def test_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(SecretValue("hunter2-very-secret"))


def test_equal_values_compare_equal() -> None:
    assert SecretValue("abcd1234") == SecretValue("abcd1234") != SecretValue("other123")
