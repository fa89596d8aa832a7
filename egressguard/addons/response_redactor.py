"""A managed secret's value never reaches the sandbox: clean every response.

Headers are cleaned when they arrive (a streamed response sends them before its body);
a held body is decoded, cleaned and re-encoded when complete; a streamed body is cleaned
chunk by chunk (addons/body_limits.py).
"""

from __future__ import annotations

from mitmproxy import http

from egressguard.addons import _flowstate
from egressguard.addons._guard import Stage, guarded
from egressguard.credentials.redaction import redact


def _needles(flow: http.HTTPFlow) -> list[bytes]:
    state = _flowstate.of(flow)
    return state.compiled.needles if state is not None and flow.response is not None else []


class ResponseRedactor(Stage):
    @guarded
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        needles = _needles(flow)
        if not needles:
            return
        assert flow.response is not None
        headers = flow.response.headers
        for key in list(headers.keys()):
            values = headers.get_all(key)
            cleaned = [
                redact(v.encode("utf-8", "surrogateescape"), needles)[0].decode("utf-8", "surrogateescape")
                for v in values
            ]
            if cleaned != values:
                headers.set_all(key, cleaned)

    @guarded
    def response(self, flow: http.HTTPFlow) -> None:
        needles = _needles(flow)
        resp = flow.response
        if not needles or resp is None or not resp.raw_content:
            return  # nothing to clean, or streamed (cleaned chunk by chunk)
        content = resp.get_content(strict=False) if resp.headers.get("content-encoding") else resp.raw_content
        if content is None:
            return
        cleaned_body, count = redact(content, needles)
        if count:
            resp.set_content(cleaned_body)  # re-encodes and fixes Content-Length
