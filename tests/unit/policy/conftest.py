"""Shared helpers for policy tests: a policy from YAML text, through the real loader."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from egressguard.policy.engine import Engine
from egressguard.policy.loader import load_policy
from egressguard.policy.model import Policy


@pytest.fixture
def make_policy(tmp_path: Path) -> Callable[[str], Policy]:
    counter = iter(range(10**6))

    def build(text: str) -> Policy:
        path = tmp_path / f"policy{next(counter)}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_policy(path)

    return build


@pytest.fixture
def make_engine(make_policy: Callable[[str], Policy]) -> Callable[[str], Engine]:
    return lambda text: Engine(make_policy(text))
