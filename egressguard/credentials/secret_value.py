"""A secret's value, wrapped so that printing, logging or repr-ing it shows nothing."""

from __future__ import annotations


class SecretValue:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "SecretValue(<redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("SecretValue", self._value))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a SecretValue cannot be pickled")

    def reveal(self) -> str:
        """The real value. Only egressguard/credentials/ may call this (tests/test_layout.py)."""
        return self._value
