"""Databricks personal access tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://docs.databricks.com/en/dev-tools/auth/pat.html  ("dapi" + 32 hex, optional "-N")
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/databricks.go
PATTERN = re.compile(rb"(?<![A-Za-z0-9_])dapi[a-f0-9]{32}(?:-[0-9])?(?![A-Za-z0-9_])")


class DatabricksToken(RegexDetector):
    name: ClassVar[str] = "databricks_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"dapi[a-f0-9]{32}",)
    reach: ClassVar[tuple[int, int]] = (40, 4)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value[4:36], min_entropy=3.0)
