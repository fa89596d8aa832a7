"""Heuristics that tell a real credential from something that only looks like one.

Each predicate is pure and linear in its input; detectors combine them. They err on the side
of "not a secret" only where ordinary traffic (code, lock files, ids, docs) would otherwise
trip a detector; the exact-value layer (managed secrets) does not use them.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_UUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(rb"[0-9a-fA-F]+")
_TEMPLATE = re.compile(
    rb"^(?:\$\{.*\}|\$\(.*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|\{[A-Za-z_]\w*\}|<[^<>]*>|%\(?\w*\)?s|\[[^\[\]]*\])$"
)
_IDENTIFIER = re.compile(rb"^[A-Za-z_][A-Za-z_]*(?:[._-][A-Za-z_]+)*\d{0,2}$")
_PLACEHOLDER_WORDS = frozenset(
    {
        b"password",
        b"passwd",
        b"pass",
        b"pwd",
        b"secret",
        b"token",
        b"changeme",
        b"change_me",
        b"example",
        b"sample",
        b"dummy",
        b"test",
        b"testing",
        b"redacted",
        b"removed",
        b"hidden",
        b"none",
        b"null",
        b"nil",
        b"undefined",
        b"empty",
        b"true",
        b"false",
        b"user",
        b"username",
        b"admin",
        b"root",
        b"guest",
        b"anonymous",
        b"placeholder",
        b"your_password",
        b"yourpassword",
        b"mypassword",
        b"foo",
        b"bar",
        b"baz",
        b"foobar",
        b"qwerty",
        b"letmein",
        b"default",
        b"x-oauth-basic",
        b"x-access-token",
        b"oauth2",
        b"apikey",
        b"api_key",
        b"api-key",
        b"key",
        b"value",
        b"string",
        b"str",
        b"xxx",
        b"todo",
        b"fixme",
        b"insert",
        b"replace",
        b"unused",
    }
)
_PLACEHOLDER_MARKERS = (
    b"example",
    b"placeholder",
    b"your_",
    b"your-",
    b"yourkey",
    b"<",
    b">",
    b"${",
    b"{{",
    b"xxxx",
    b"XXXX",
    b"****",
    b"....",
    b"redacted",
    b"REDACTED",
    b"dummy",
    b"DUMMY",
    b"EXAMPLE",
    b"changeme",
    b"fake",
    b"FAKE",
)


def shannon_entropy(value: bytes) -> float:
    """Bits per symbol of `value` (0.0 for empty input)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def is_uuid(value: bytes) -> bool:
    return _UUID.fullmatch(value) is not None


def is_hex(value: bytes) -> bool:
    return _HEX.fullmatch(value) is not None


def is_hex_digest(value: bytes) -> bool:
    """A git/sha1/sha256/md5-shaped hex string: ids and hashes, not credentials by themselves."""
    return len(value) in (32, 40, 56, 64, 96, 128) and is_hex(value)


def is_repeated(value: bytes) -> bool:
    """One symbol repeated, or a short cycle (`abcabcabc`, `0123456789`)."""
    if len(set(value)) <= 2:
        return True
    for period in range(1, min(5, len(value) // 2) + 1):
        if value == (value[:period] * (len(value) // period + 1))[: len(value)]:
            return True
    return is_sequential(value)


def is_sequential(value: bytes) -> bool:
    """Ascending or descending runs such as `12345678` or `abcdefgh`."""
    if len(value) < 4:
        return False
    steps = {value[i + 1] - value[i] for i in range(len(value) - 1)}
    return steps <= {1} or steps <= {-1}


def is_placeholder(value: bytes) -> bool:
    """Documentation, template or masked values: `x`, `***`, `${TOKEN}`, `<password>`, `changeme`."""
    v = value.strip()
    if len(v) < 3:
        return True
    low = v.lower()
    if low in _PLACEHOLDER_WORDS or is_repeated(low):
        return True
    if _TEMPLATE.match(v) is not None:
        return True
    return any(marker in v for marker in _PLACEHOLDER_MARKERS)


def is_identifier_like(value: bytes) -> bool:
    """Looks like a code identifier or word (`self.password_hash`, `get_token`, `SECRET_KEY`)."""
    return _IDENTIFIER.match(value) is not None


def char_classes(value: bytes) -> int:
    """How many of lower, upper, digit, other are present."""
    lower = upper = digit = other = 0
    for b in value:
        if 97 <= b <= 122:
            lower = 1
        elif 65 <= b <= 90:
            upper = 1
        elif 48 <= b <= 57:
            digit = 1
        else:
            other = 1
    return lower + upper + digit + other


def looks_random(value: bytes, *, min_entropy: float = 3.0, min_classes: int = 2) -> bool:
    """High enough entropy and variety of symbols to be a generated secret."""
    return char_classes(value) >= min_classes and shannon_entropy(value) >= min_entropy


def printable_ratio(value: bytes) -> float:
    if not value:
        return 0.0
    printable = sum(1 for b in value if 32 <= b < 127 or b in (9, 10, 13))
    return printable / len(value)


# -- credential positions (the scanner's contract with the detectors; see base.Match.weak) --------
# A name says "this holds a credential" when its last word is a credential word (`password`,
# `token`, `secret`, `key` after a qualifying word...). Words are split at `_`, `-`, `.`,
# white space and camelCase humps: `apiKey`, `API_KEY`, `x-api-key`, `client.secret` qualify;
# `monkey`, `max_tokens`, `token_count`, `public_key` and `sort_key` do not.
_WORDS = re.compile(rb"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_CREDENTIAL_WORDS = frozenset(
    {
        b"password",
        b"passwd",
        b"pwd",
        b"pass",
        b"passphrase",
        b"secret",
        b"token",
        b"apikey",
        b"credential",
        b"credentials",
        b"auth",
        b"authorization",
        b"cookie",
        b"sid",
        b"pat",
    }
)
# `key` alone names too many things (sort keys, map keys): only after one of these words.
_KEY_QUALIFIERS = frozenset(
    {
        b"api",
        b"access",
        b"secret",
        b"private",
        b"signing",
        b"account",
        b"master",
        b"auth",
        b"client",
        b"license",
        b"encryption",
        b"app",
        b"service",
        b"subscription",
        b"admin",
        b"storage",
        b"shared",
    }
)
# ...and a name about a credential rather than holding one: a count, kind, path or public part.
_NOT_CREDENTIAL_WORDS = frozenset(
    {
        b"max",
        b"min",
        b"num",
        b"count",
        b"len",
        b"length",
        b"size",
        b"type",
        b"kind",
        b"name",
        b"expiry",
        b"expires",
        b"expiration",
        b"ttl",
        b"file",
        b"path",
        b"url",
        b"uri",
        b"hint",
        b"label",
        b"format",
        b"prompt",
        b"placeholder",
        b"public",
        b"page",
        b"next",
        b"cursor",
        b"csrf",
        b"xsrf",
        b"limit",
    }
)


def name_words(name: bytes) -> list[bytes]:
    """The lower-cased words of a field, header, key or variable name."""
    return [w.lower() for w in _WORDS.findall(name[:128])]


def is_credential_name(name: bytes) -> bool:
    """Does this field, header, parameter, key or variable name say it holds a credential?"""
    words = name_words(name)
    if not words or any(w in _NOT_CREDENTIAL_WORDS for w in words):
        return False
    last = words[-1]
    if last in _CREDENTIAL_WORDS:
        return True
    return last == b"key" and len(words) > 1 and words[-2] in _KEY_QUALIFIERS


def looks_like_secret_value(value: bytes) -> bool:
    """A value in a credential position that is worth reporting: not empty, not a placeholder,
    template or identifier, and random enough to have been generated."""
    v = value.strip().strip(b"\"'")
    if len(v) < 8 or len(v) > 4096 or b"\n" in v:
        return False
    if is_placeholder(v) or is_identifier_like(v):
        return False
    classes = char_classes(v)
    if classes < 2 or (classes == 2 and len(v) < 16):
        return False
    return shannon_entropy(v) >= 3.0
