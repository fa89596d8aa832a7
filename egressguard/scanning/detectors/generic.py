"""High-entropy values assigned to credential-like names (password=, api_key:, "secret": "...")."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import (
    char_classes,
    is_identifier_like,
    is_placeholder,
    shannon_entropy,
)

# ref: https://github.com/Yelp/detect-secrets/blob/master/detect_secrets/plugins/keyword.py
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/generic.go
# The name must END with a credential word (so `token_count`, `max_tokens` are not names) and the
# value must look generated: long enough, mixed symbols, entropy at or above MIN_ENTROPY.
NAMES = (
    rb"passw(?:or)?d|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token"
    rb"|bearer[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key|signing[_-]?key|token|credentials?"
)
PATTERN = re.compile(
    rb"(?i:(?<![A-Za-z0-9])([A-Za-z0-9_.-]{0,40})(?:" + NAMES + rb"))[\"']?\s{0,3}(?::=|=>|=|:)\s{0,3}[\"']?"
    rb"([^\s\"'`,;&<>(){}\[\]\\|]{8,200})"
)
MIN_ENTROPY = 3.0
# Name prefixes that mark a non-secret "token": pagination cursors, CSRF nonces, config knobs.
_NOT_SECRET_PREFIX = re.compile(
    rb"(?i)page|next|cursor|continu|csrf|xsrf|sync|verif|reset|sort|max|min|num|count|type|len|size|expir|ttl"
    rb"|file|path|url|uri|name|hint|field|label|policy|prompt|placeholder|format|cache|lock|public"
)
_VERSION = re.compile(rb"v?[0-9]+(?:\.[0-9A-Za-z]+)+")


class GenericSecret(RegexDetector):
    name: ClassVar[str] = "generic_secret"
    prefilter: ClassVar[tuple[bytes, ...]] = (
        rb"(?i)(?:" + NAMES + rb")[\"']?\s{0,3}(?::=|=>|=|:)\s{0,3}[\"']?[^\s\"'`,;&<>(){}\[\]\\|]{8}",
    )
    reach: ClassVar[tuple[int, int]] = (80, 210)
    split_safe: ClassVar[bool] = False
    pattern = PATTERN
    group = 2

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        prefix = m.group(1)
        if prefix and _NOT_SECRET_PREFIX.search(prefix) is not None:
            return False
        if value.startswith((b"$", b"%", b"/", b"./", b"~", b"#", b"@", b"*", b"-", b"+", b"=", b"!", b".")):
            return False
        if b"://" in value or is_placeholder(value) or is_identifier_like(value):
            return False
        if _VERSION.fullmatch(value) is not None:
            return False
        classes = char_classes(value)
        if classes < 2 or (classes == 2 and len(value) < 16):
            return False
        return shannon_entropy(value) >= MIN_ENTROPY
