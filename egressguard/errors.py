"""Errors that carry a user-facing explanation (never a secret, never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One policy problem: `FILE:LINE: what is wrong; what to write instead`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(Exception):
    """A policy that `check` rejects. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(Exception):
    """A bad flag, environment variable or start-up input: one line for the user."""


class SecretSourceError(ConfigError):
    """A secret whose source cannot be read. Names the secret, never its value."""
