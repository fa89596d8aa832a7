"""Shopify access tokens and shared secrets."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/shopify.go
# shpat_ admin API, shpca_ custom app, shppa_ private app, shpss_ shared secret: + 32 hex.
PATTERN = re.compile(rb"(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9_])")


class ShopifyToken(RegexDetector):
    name: ClassVar[str] = "shopify_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",)
    reach: ClassVar[tuple[int, int]] = (44, 4)
    pattern = PATTERN
