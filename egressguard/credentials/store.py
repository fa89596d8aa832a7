"""The secrets in force: values, where each may go, and the matchers built from them."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass

from egressguard.credentials.secret_value import SecretValue
from egressguard.policy.hosts import Host
from egressguard.policy.model import SecretDecl
from egressguard.scanning import ExactSecret


@dataclass(frozen=True)
class ManagedSecret:
    decl: SecretDecl
    value: SecretValue

    def may_go_to(self, host: Host) -> bool:
        return any(p.matches(host) for p in self.decl.hosts)


class SecretStore:
    def __init__(self, decls: Mapping[str, SecretDecl], values: Mapping[str, SecretValue]) -> None:
        self.secrets = {name: ManagedSecret(decls[name], values[name]) for name in decls}

    def __repr__(self) -> str:
        return f"SecretStore({sorted(self.secrets)})"

    def allowed_for(self, host: Host | None) -> frozenset[str]:
        """Names of the secrets that may be sent to `host`."""
        if host is None:
            return frozenset()
        return frozenset(n for n, s in self.secrets.items() if s.may_go_to(host))

    def exact_secrets(self) -> list[ExactSecret]:
        out: list[ExactSecret] = []
        for name, s in self.secrets.items():
            out.append(ExactSecret(name=name, value=s.value.reveal().encode(), kind="value"))
            if s.decl.placeholder:
                out.append(ExactSecret(name=name, value=s.decl.placeholder.encode(), kind="placeholder"))
        return out

    def redaction_needles(self) -> list[bytes]:
        """Every spelling of every real value a response or log could carry, longest first."""
        needles: set[bytes] = set()
        for s in self.secrets.values():
            v = s.value.reveal()
            needles.add(v.encode())
            needles.add(json.dumps(v)[1:-1].encode())
            needles.add(base64.b64encode(v.encode()).rstrip(b"="))
        return sorted((n for n in needles if n), key=len, reverse=True)

    def log_values(self) -> list[str]:
        return [n.decode("utf-8", "replace") for n in self.redaction_needles()]
