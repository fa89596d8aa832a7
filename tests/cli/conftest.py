"""Run the egressguard command line as a subprocess, the way users and CI run it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def egressguard(tmp_path: Path) -> Run:
    """`egressguard ARGS...` in a scratch directory (so no rules/ is picked up by accident)."""

    def run(*args: str, cwd: Path | None = None, prefix: tuple[str, ...] = (),
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EGRESSGUARD_")}
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return subprocess.run(
            [*prefix, sys.executable, "-m", "egressguard", *args],
            cwd=cwd or tmp_path, env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )

    return run
