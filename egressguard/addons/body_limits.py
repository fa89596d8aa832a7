"""Body sizes, split by direction: mitmproxy has one `body_size_limit` for both.

Requests must stay bounded: each is held whole for scanning, and past the limit it is
refused. Responses must not be: a package download is routinely bigger than any request,
and holding it whole would only cost memory. So mitmproxy's size check keeps its limit for
requests only, and a response larger than `RESPONSE_HOLD_BYTES` is streamed instead of
held. A streamed response is still cleaned of managed secrets, chunk by chunk
(`StreamRedactor`); a compressed one is held whole when there are secrets to clean, since
its chunks cannot be searched before they are decoded.

This wraps one method of mitmproxy's HTTP layer (`HttpStream.check_body_size`): no hook
runs between the response's headers arriving and that check. mitmproxy is pinned below 13.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from mitmproxy import http
from mitmproxy.net.http.http1 import expected_http_body_size
from mitmproxy.proxy.layers.http import HttpStream
from mitmproxy.proxy.layers.http._events import ResponseData

from egressguard.addons import _flowstate

RESPONSE_HOLD_BYTES = 32 * 1024 * 1024
_MASK = b"[REDACTED]"


class StreamRedactor:
    """Replaces managed values in a streamed body, across chunk boundaries, by a mask of the
    same length (so a Content-Length stays right). Called with b"" at the end to flush."""

    def __init__(self, needles: list[bytes]) -> None:
        self._needles = needles
        self._keep = max(len(n) for n in needles) - 1
        self._tail = b""

    def __call__(self, chunk: bytes) -> bytes:
        data = self._tail + chunk
        for needle in self._needles:
            if needle in data:
                data = data.replace(needle, (_MASK * (len(needle) // len(_MASK) + 1))[: len(needle)])
        if not chunk:  # end of the body
            self._tail = b""
            return data
        cut = max(0, len(data) - self._keep)
        self._tail = data[cut:]
        return data[:cut]


def stream_for(flow: http.HTTPFlow) -> bool | Callable[[bytes], bytes]:
    """How to stream this response: as is, through a redactor, or not at all (False)."""
    state = _flowstate.of(flow)
    needles = state.compiled.needles if state is not None else []
    if not needles:
        return True
    assert flow.response is not None
    encoding = flow.response.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        return False  # held whole, decoded and cleaned by ResponseRedactor
    return StreamRedactor(needles)


_original = HttpStream.check_body_size


def _check_body_size(self: HttpStream, request: bool) -> Generator[Any, Any, bool]:
    if request:
        return (yield from _original(self, request))
    response = self.flow.response
    assert response is not None
    if response.stream:
        return False
    if self.response_body_buf:
        expected: int | None = len(self.response_body_buf)
    else:
        try:
            expected = expected_http_body_size(self.flow.request, response)
        except ValueError:
            expected = None
    if expected is None or expected <= RESPONSE_HOLD_BYTES:
        return False
    mode = stream_for(self.flow)
    if mode is False:
        return False
    response.stream = mode
    if self.response_body_buf:  # already holding part of it: send that part on
        held = bytes(self.response_body_buf)
        self.response_body_buf.clear()
        yield from self.start_response_stream()
        yield from self.handle_event(ResponseData(self.stream_id, held))
    return False


def install() -> None:
    """Narrow mitmproxy's body-size check to requests; stream large responses."""
    HttpStream.check_body_size = _check_body_size  # type: ignore[method-assign]
