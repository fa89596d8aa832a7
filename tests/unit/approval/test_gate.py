"""The approval gate's bookkeeping: each held request is settled exactly once."""

from __future__ import annotations

from egressguard.approval.gate import ApprovalGate, Outcome


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make() -> tuple[ApprovalGate, Clock, list[tuple[str, Outcome, str | None]]]:
    clock = Clock()
    return ApprovalGate(clock=clock, wallclock=lambda: 1_700_000_000.0), clock, []


def hold(gate: ApprovalGate, settled: list[tuple[str, Outcome, str | None]], timeout: float = 60) -> str:
    box: dict[str, str] = {}

    def on_settle(outcome: Outcome, approver: str | None) -> None:
        settled.append((box["id"], outcome, approver))

    entry = gate.hold(
        method="POST",
        url="https://api.example.com/x",
        rule="r",
        client="10.0.0.7",
        timeout=timeout,
        on_settle=on_settle,
    )
    box["id"] = entry.id
    return entry.id


def test_a_held_request_is_listed_with_its_public_fields() -> None:
    gate, _, settled = make()
    held_id = hold(gate, settled)
    (entry,) = gate.pending()
    assert entry.public() == {
        "id": held_id,
        "method": "POST",
        "url": "https://api.example.com/x",
        "rule": "r",
        "client": "10.0.0.7",
        "created": 1_700_000_000.0,
        "expires": 1_700_000_060.0,
    }
    assert len(gate) == 1 and settled == []


def test_settled_exactly_once() -> None:
    gate, _, settled = make()
    held_id = hold(gate, settled)
    assert gate.decide(held_id, Outcome.APPROVED, "alice")
    assert not gate.decide(held_id, Outcome.DENIED, "bob")
    assert settled == [(held_id, Outcome.APPROVED, "alice")] and len(gate) == 0


def test_unknown_ids_are_refused() -> None:
    gate, _, _ = make()
    assert not gate.decide("nope", Outcome.APPROVED, "alice")


def test_expire_times_out_only_what_is_past_its_deadline() -> None:
    gate, clock, settled = make()
    short = hold(gate, settled, timeout=5)
    long = hold(gate, settled, timeout=50)
    clock.now += 4.9
    assert gate.expire() == []
    clock.now += 0.2
    assert gate.expire() == [short]
    assert settled == [(short, Outcome.TIMED_OUT, None)] and [h.id for h in gate.pending()] == [long]


def test_ids_are_unguessable_and_distinct() -> None:
    gate, _, settled = make()
    ids = {hold(gate, settled) for _ in range(200)}
    assert len(ids) == 200 and all(len(i) >= 16 for i in ids)
