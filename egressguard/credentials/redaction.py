"""Remove managed secrets' values from what comes back to the sandbox."""

from __future__ import annotations

REDACTED = b"[REDACTED]"


def redact(data: bytes, needles: list[bytes]) -> tuple[bytes, int]:
    """`data` with every needle replaced, and how many replacements were made."""
    count = 0
    for n in needles:
        if n in data:
            count += data.count(n)
            data = data.replace(n, REDACTED)
    return data, count
