"""The policy as the engine sees it: frozen types that know nothing of YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from egressguard.policy.hosts import HostPattern
from egressguard.policy.paths import PathPattern

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCANNERS = frozenset({"secrets", "bulk"})


class Mode(StrEnum):
    ENFORCE = "enforce"
    AUDIT = "audit"


class Action(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class TlsMode(StrEnum):
    INTERCEPT = "intercept"
    PASSTHROUGH = "passthrough"


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a policy node was written: for messages that point at the line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class BulkLimits:
    emails: int = 50
    cards: int = 10
    archive_bytes: int = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Defaults:
    private_networks: bool = False  # True = allow
    max_body: int = 10 * 1024 * 1024
    scan: frozenset[str] = SCANNERS
    approval_timeout: float = 300.0
    bulk: BulkLimits = field(default_factory=BulkLimits)
    scan_limit: int = 32 * 1024 * 1024  # decoded bytes inspected per request
    unscannable: Action = Action.DENY  # a body that cannot be decoded within the limits
    max_pending_approvals: int = 100  # more held at once are refused: rate_limited


@dataclass(frozen=True, slots=True)
class EnvSource:
    env: str


@dataclass(frozen=True, slots=True)
class FileSource:
    file: str


@dataclass(frozen=True, slots=True)
class SecretDecl:
    """A credential the proxy holds (its value is read at start, never stored here)."""

    name: str
    source: EnvSource | FileSource
    hosts: tuple[HostPattern, ...]
    placeholder: str | None
    mark: Mark


@dataclass(frozen=True, slots=True)
class TemplatePart:
    """A literal run of text, or (when `secret` is set) a `${secrets.NAME}` reference."""

    text: str = ""
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class HeaderInjection:
    name: str
    template: tuple[TemplatePart, ...]

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(p.secret for p in self.template if p.secret is not None)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    hosts: tuple[HostPattern, ...]
    mark: Mark
    ports: frozenset[int] | None = None  # None: the scheme's default port (443 / 80)
    methods: frozenset[str] | None = None  # None: GET, HEAD, OPTIONS (a deny rule: every method)
    paths: tuple[PathPattern, ...] | None = None  # None: any path
    action: Action = Action.ALLOW
    approval: bool = False
    approval_timeout: float | None = None
    tls: TlsMode = TlsMode.INTERCEPT
    private_networks: bool | None = None  # None: defaults.private_networks
    inject: tuple[HeaderInjection, ...] = ()
    scan: frozenset[str] | None = None  # None: defaults.scan

    def matches_methods(self, methods: tuple[str, ...]) -> bool:
        """An allow rule must allow every claimed method; a deny rule catches any of them."""
        if self.action is Action.DENY:
            return self.methods is None or any(m in self.methods for m in methods)
        allowed = READ_ONLY_METHODS if self.methods is None else self.methods
        return all(m in allowed for m in methods)

    def allows_port(self, port: int, scheme: str | None) -> bool:
        if self.ports is not None:
            return port in self.ports
        if scheme is None:  # CONNECT: the scheme inside the tunnel is not known yet
            return port in (80, 443)
        return port == (443 if scheme in ("https", "wss") else 80)


@dataclass(frozen=True, slots=True)
class Policy:
    mode: Mode
    defaults: Defaults
    secrets: dict[str, SecretDecl]
    rules: tuple[Rule, ...]
    files: tuple[str, ...]

    def allows_private(self, rule: Rule | None) -> bool:
        """May `rule` reach private addresses: its own `private_networks`, else the default."""
        if rule is not None and rule.private_networks is not None:
            return rule.private_networks
        return self.defaults.private_networks

    def rule(self, rule_id: str) -> Rule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None
