"""Add the credentials the agent never sees, last, on requests already allowed:
`inject` headers, and placeholders swapped for real values on the secret's own hosts."""

from __future__ import annotations

from mitmproxy import http

from egressguard.addons import _flowstate
from egressguard.addons._guard import Stage, guarded
from egressguard.addons.body_scanner import HOP_ONLY_HEADERS
from egressguard.credentials.injection import render, swap_placeholders
from egressguard.decision import Verdict


class CredentialInjector(Stage):
    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        state = _flowstate.of(flow)
        if state is None or flow.response is not None or state.verdict is not Verdict.ALLOW:
            return
        # The client's proxy credentials are for this hop only, never for the upstream.
        for name in HOP_ONLY_HEADERS:
            flow.request.headers.pop(name, None)
        store = state.compiled.secrets
        names = store.allowed_for(state.canonical_host)
        if names:
            req = flow.request
            for key, value in list(req.headers.items(multi=True)):
                swapped, n = swap_placeholders(value, store.secrets, names)
                if n:
                    values = [swap_placeholders(v, store.secrets, names)[0] for v in req.headers.get_all(key)]
                    req.headers.set_all(key, values)
            swapped, n = swap_placeholders(req.path, store.secrets, names)
            if n:
                req.path = swapped
        if state.rule is not None:
            for injection in state.rule.inject:
                flow.request.headers[injection.name] = render(injection, store.secrets)
