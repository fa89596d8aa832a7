"""One mitmproxy addon that calls our stages' hooks in pipeline order.

mitmproxy looks every hook up on every addon for every event, each call wrapped in a
context manager, a coroutine and a generator; with our stages as ten separate addons that
fixed cost was ~100 µs per request (bench/proxy_bench.py). The stages stay separate
classes, one concern each, in the explicit order `default_addons()` gives.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

# Every hook one of our stages implements. A stage's hook missing here would never run,
# so tests/addons/test_pipeline.py checks this list against the stages.
HOOKS = (
    "running",
    "client_disconnected",
    "http_connect",
    "next_layer",
    "server_connect",
    "server_connected",
    "server_connect_error",
    "requestheaders",
    "request",
    "responseheaders",
    "response",
    "error",
    "websocket_message",
)


def _dispatcher(name: str, fns: Sequence[Callable[..., Any]]) -> Callable[..., Any]:
    if not any(inspect.iscoroutinefunction(fn) for fn in fns):

        def call_all(*args: Any) -> None:
            for fn in fns:
                fn(*args)

        call_all.__name__ = name
        return call_all

    async def await_all(*args: Any) -> None:
        for fn in fns:
            result = fn(*args)
            if inspect.isawaitable(result):
                await result

    await_all.__name__ = name
    return await_all


class Pipeline:
    def __init__(self, stages: Sequence[object]) -> None:
        self.stages = list(stages)
        for hook in HOOKS:
            fns = [getattr(s, hook) for s in self.stages if callable(getattr(s, hook, None))]
            if fns:
                setattr(self, hook, _dispatcher(hook, fns))
