"""Per-client-connection state (the CONNECT tunnel and its vetted addresses)."""

from __future__ import annotations

from mitmproxy import connection

from egressguard.addons._flowstate import ConnState


class Connections:
    """Tracks ConnState by client connection id; forgets it when the client goes away."""

    def __init__(self) -> None:
        self._states: dict[str, ConnState] = {}

    def __len__(self) -> int:
        return len(self._states)

    def get(self, client: connection.Client) -> ConnState:
        state = self._states.get(client.id)
        if state is None:
            state = self._states[client.id] = ConnState()
        return state

    def peek(self, client: connection.Client) -> ConnState | None:
        return self._states.get(client.id)

    def client_disconnected(self, client: connection.Client) -> None:
        self._states.pop(client.id, None)
