"""The decision engine: (policy, request facts) -> decision. Pure; no I/O, no clock.

Rules are indexed by host (exact names, wildcard suffixes, IPs), so a decision looks only
at the rules that can match the host, in policy order: first match wins. With no match the
reason is the most specific one reached: host, then port, then method, then path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from egressguard.decision import Decision, Reason, Verdict, allow, deny
from egressguard.policy.hosts import Host, HostError, canonical_host
from egressguard.policy.model import Action, Policy, Rule, TlsMode
from egressguard.policy.paths import canonical_segments


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the engine needs to know of a request. `scheme` is None for CONNECT."""

    host: str
    port: int
    method: str = "CONNECT"
    path: str = "/"  # as sent, without the query string
    scheme: str | None = None
    extra_methods: tuple[str, ...] = ()  # method-override headers: must be allowed too


@dataclass(frozen=True, slots=True)
class Evaluation:
    decision: Decision
    rule: Rule | None
    host: Host | None


# How far the best candidate rule got before failing: its port, its method, its path.
_STAGE_REASON = (Reason.PORT_NOT_ALLOWED, Reason.METHOD_NOT_ALLOWED, Reason.PATH_NOT_ALLOWED)


class Engine:
    """A policy compiled for lookups. Build once per policy (load or reload)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        exact: dict[str, list[int]] = defaultdict(list)
        suffix: dict[str, list[int]] = defaultdict(list)
        for index, rule in enumerate(policy.rules):
            for pattern in rule.hosts:
                if pattern.exact is not None:
                    exact[pattern.exact].append(index)
                else:
                    assert pattern.suffix is not None
                    suffix[pattern.suffix].append(index)
        self._exact = {k: tuple(v) for k, v in exact.items()}
        self._suffix = {k: tuple(v) for k, v in suffix.items()}

    def candidates(self, host: Host) -> list[Rule]:
        """The rules whose hosts match `host`, in policy order."""
        found = list(self._exact.get(host.name, ()))
        if not host.is_ip and self._suffix:
            labels = host.name.split(".")
            for i in range(1, len(labels)):
                found.extend(self._suffix.get(".".join(labels[i:]), ()))
        found = sorted(set(found)) if len(found) > 1 else found
        return [self.policy.rules[i] for i in found]

    def evaluate(self, facts: RequestFacts) -> Evaluation:
        try:
            host = canonical_host(facts.host)
        except HostError as exc:
            return Evaluation(deny(Reason.HOST_NOT_ALLOWED, None, f"invalid host: {exc}"), None, None)
        rules = self.candidates(host)
        if not rules:
            return Evaluation(
                deny(Reason.HOST_NOT_ALLOWED, None, f"no rule allows host {host.name}"), None, host
            )
        connect = facts.scheme is None
        segments = None if connect else canonical_segments(facts.path)
        if not connect and segments is None:
            return Evaluation(
                deny(
                    Reason.PATH_NOT_ALLOWED,
                    None,
                    "the path's encoding is ambiguous (encoded '/' or '\\', "
                    "NUL, double encoding, invalid UTF-8 or dot-segment tricks)",
                ),
                None,
                host,
            )
        methods = (facts.method, *facts.extra_methods)
        # How far the best *allow* rule got: a deny rule that does not apply says nothing
        # about why the request is not allowed. -1: no allow rule names the host.
        best = -1
        pending: Rule | None = None  # CONNECT: a deny rule that applies per request inside
        for rule in rules:
            allows = rule.action is Action.ALLOW
            if allows:
                best = max(best, 0)
            if not rule.allows_port(facts.port, facts.scheme):
                continue
            if connect:
                if not allows and (rule.methods is not None or rule.paths is not None):
                    pending = pending or rule  # decided on each request inside the tunnel
                    continue
                if pending is not None and rule.tls is TlsMode.PASSTHROUGH:
                    rule = pending  # nothing inside a passthrough tunnel is seen: fail closed
                return Evaluation(self._matched(rule, facts, host), rule, host)
            if allows:
                best = max(best, 1)
            if not rule.matches_methods(methods):
                continue
            if allows:
                best = 2
            if rule.paths is not None and not any(
                # a deny rule also matches the way lenient servers route (case, ";params")
                p.matches(segments) or (not allows and p.matches_loosely(segments))  # type: ignore[arg-type]
                for p in rule.paths
            ):
                continue
            return Evaluation(self._matched(rule, facts, host), rule, host)
        if best < 0:
            return Evaluation(
                deny(Reason.HOST_NOT_ALLOWED, None, f"no rule allows host {host.name}"), None, host
            )
        reason = _STAGE_REASON[best]
        what = {
            Reason.PORT_NOT_ALLOWED: f"port {facts.port}",
            Reason.METHOD_NOT_ALLOWED: f"method {' with override '.join(dict.fromkeys(methods))}",
            Reason.PATH_NOT_ALLOWED: f"path {facts.path}",
        }[reason]
        return Evaluation(deny(reason, None, f"no rule for {host.name} allows {what}"), None, host)

    @staticmethod
    def _matched(rule: Rule, facts: RequestFacts, host: Host) -> Decision:
        if rule.action is Action.DENY:
            return deny(Reason.DENIED_BY_RULE, rule.id, f"rule {rule.id} denies this request")
        if rule.approval and facts.scheme is not None:
            return Decision(Verdict.HOLD, None, rule.id, f"rule {rule.id} requires a person's approval")
        return allow(rule.id)
