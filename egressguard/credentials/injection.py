"""Put real credentials on the way out: `inject` headers and placeholder swaps.

The only module (with store.py, for matchers) that reveals secret values.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from egressguard.credentials.store import ManagedSecret
from egressguard.policy.model import HeaderInjection


def render(injection: HeaderInjection, secrets: Mapping[str, ManagedSecret]) -> str:
    return "".join(
        p.text if p.secret is None else secrets[p.secret].value.reveal() for p in injection.template
    )


def swap_placeholders(
    text: str, secrets: Mapping[str, ManagedSecret], names: frozenset[str]
) -> tuple[str, int]:
    """Replace the placeholders of `names` in `text` with their values; also inside Basic auth."""
    count = 0
    for name in names:
        s = secrets[name]
        ph = s.decl.placeholder
        if ph and ph in text:
            count += text.count(ph)
            text = text.replace(ph, s.value.reveal())
    if text[:6].lower() == "basic ":
        swapped, n = _swap_basic(text[6:].strip(), secrets, names)
        if n:
            return "Basic " + swapped, count + n
    return text, count


def _swap_basic(token: str, secrets: Mapping[str, ManagedSecret], names: frozenset[str]) -> tuple[str, int]:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return token, 0
    swapped, n = swap_placeholders(decoded, secrets, names)
    if not n:
        return token, 0
    return base64.b64encode(swapped.encode()).decode("ascii"), n
