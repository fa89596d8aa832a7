"""Held requests and their outcomes. Pure: the caller passes the time and owns the waiting.

Each held request gets an unguessable id; `decide` settles it exactly once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    APPROVED = "approved"
    DENIED = "denied"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"  # the client went away


@dataclass
class Held:
    id: str
    method: str
    url: str  # without the query string
    rule: str
    client: str
    created: float  # wall-clock seconds (for people)
    expires: float
    deadline: float  # monotonic seconds (for the timer)
    on_settle: Callable[[Outcome, str | None], None] = field(repr=False)

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "method": self.method,
            "url": self.url,
            "rule": self.rule,
            "client": self.client,
            "created": self.created,
            "expires": self.expires,
        }


class ApprovalGate:
    def __init__(self, clock: Callable[[], float], wallclock: Callable[[], float]) -> None:
        self._clock = clock
        self._wallclock = wallclock
        self._held: dict[str, Held] = {}

    def __len__(self) -> int:
        return len(self._held)

    def hold(
        self,
        *,
        method: str,
        url: str,
        rule: str,
        client: str,
        timeout: float,
        on_settle: Callable[[Outcome, str | None], None],
    ) -> Held:
        now = self._wallclock()
        entry = Held(
            id=secrets.token_urlsafe(12),
            method=method,
            url=url,
            rule=rule,
            client=client,
            created=now,
            expires=now + timeout,
            deadline=self._clock() + timeout,
            on_settle=on_settle,
        )
        self._held[entry.id] = entry
        return entry

    def pending(self) -> list[Held]:
        return sorted(self._held.values(), key=lambda h: h.created)

    def decide(self, held_id: str, outcome: Outcome, approver: str | None = None) -> bool:
        """Settle `held_id` once. False when it is unknown or already settled."""
        entry = self._held.pop(held_id, None)
        if entry is None:
            return False
        entry.on_settle(outcome, approver)
        return True

    def expire(self) -> list[str]:
        """Time out every entry past its deadline; returns their ids."""
        now = self._clock()
        late = [h.id for h in self._held.values() if h.deadline <= now]
        for held_id in late:
            self.decide(held_id, Outcome.TIMED_OUT)
        return late
