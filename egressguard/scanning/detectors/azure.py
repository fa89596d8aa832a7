"""Azure Storage account keys (connection strings) and shared access signatures (SAS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from egressguard.scanning.base import Match, RegexDetector

# ref: https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string
# An account key is 64 random bytes in base64: 86 characters and "==".
ACCOUNT_KEY = re.compile(
    rb"(?i:AccountKey|account_?key|storage_?key|access_?key)[\"']?\s{0,3}[=:]\s{0,3}[\"']?"
    rb"(?<![A-Za-z0-9+/])([A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])"
)
# ref: https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas
# A SAS is a query string with a signed version (sv=YYYY-MM-DD) and a signature (sig=, base64 of
# an HMAC-SHA256, usually percent-encoded).
SIG = re.compile(rb"(?<![A-Za-z0-9_])sig=((?:[A-Za-z0-9+/]|%2[bBfF]|%3[dD]|=){40,120})(?![A-Za-z0-9+/%=])")
SV = re.compile(rb"(?<![A-Za-z0-9_])sv=[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NEAR = 1024


class AzureStorageKey(RegexDetector):
    name: ClassVar[str] = "azure_storage_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"(?i)(?:account|storage|access)_?key[\"']?\s{0,3}[=:]",)
    reach: ClassVar[tuple[int, int]] = (20, 100)
    pattern = ACCOUNT_KEY
    group = 1


class AzureSasToken:
    name: ClassVar[str] = "azure_sas_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"sig=[A-Za-z0-9%+/]{40}",)
    reach: ClassVar[tuple[int, int]] = (_NEAR, 130)
    split_safe: ClassVar[bool] = False

    def find(self, data: bytes, start: int, end: int) -> Iterator[Match]:
        for m in SIG.finditer(data, start, end):
            lo, hi = max(0, m.start() - _NEAR), min(len(data), m.end() + _NEAR)
            if SV.search(data, lo, hi) is not None:
                yield Match(m.start(1), m.end(1))
