"""The Pipeline addon calls every stage's hooks, in the order of default_addons()."""

from __future__ import annotations

import inspect

from mitmproxy import hooks

from egressguard.addons import default_addons
from egressguard.addons.pipeline import HOOKS, Pipeline
from egressguard.runtime import Runtime


def test_every_hook_a_stage_implements_is_dispatched(runtime: Runtime) -> None:
    known = set(hooks.all_hooks)
    implemented = {
        name
        for stage in default_addons(runtime)
        for name, _ in inspect.getmembers(stage, callable)
        if name in known
    }
    assert implemented <= set(HOOKS), implemented - set(HOOKS)
    assert set(HOOKS) <= known  # no typo: each is a real mitmproxy hook


async def test_hooks_run_in_stage_order_sync_and_async() -> None:
    calls: list[str] = []

    class A:
        def request(self, flow: object) -> None:
            calls.append("a")

    class B:
        async def request(self, flow: object) -> None:
            calls.append("b")

    class C:
        def request(self, flow: object) -> None:
            calls.append("c")

        def response(self, flow: object) -> None:
            calls.append("c-response")

    pipeline = Pipeline([A(), B(), C()])
    await pipeline.request(object())  # type: ignore[attr-defined]
    pipeline.response(object())  # type: ignore[attr-defined]
    assert calls == ["a", "b", "c", "c-response"]
    assert not hasattr(pipeline, "error")
