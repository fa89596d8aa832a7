"""`egressguard explain --policy PATH METHOD URL`: the decision `run` would make, sending nothing."""

from __future__ import annotations

import argparse
import json
import sys
from urllib.parse import urlsplit

from egressguard.decision import Decision, Reason, Verdict, deny
from egressguard.errors import PolicyError
from egressguard.netguard.addresses import classify
from egressguard.netguard.resolver import parse_overrides
from egressguard.policy.engine import Engine, RequestFacts
from egressguard.policy.loader import load_policy
from egressguard.policy.model import Policy


def _facts(method: str, url: str) -> RequestFacts:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute http(s) URL; write e.g. https://api.example.com/path")
    raw_host = parts.netloc.rsplit("@", 1)[-1]
    host = (
        raw_host[1:].split("]", 1)[0]
        if raw_host.startswith("[")
        else raw_host.rsplit(":", 1)[0]
        if ":" in raw_host
        else raw_host
    )
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    port = parts.port or (443 if scheme == "https" else 80)
    return RequestFacts(host=host, port=port, method=method, path=parts.path or "/", scheme=scheme)


def decide(
    policy: Policy, method: str, url: str, resolve: list[str] | None = None
) -> tuple[Decision, RequestFacts]:
    """The decision `run` would make on headers (no DNS except --resolve, no body)."""
    facts = _facts(method, url)
    ev = Engine(policy).evaluate(facts)
    decision = ev.decision
    host = ev.host
    if not decision.denies and host is not None:
        overrides = parse_overrides(resolve or [])
        ip = host.ip or overrides.get(host.name)
        rule = ev.rule
        why = classify(ip) if ip is not None and not policy.allows_private(rule) else None
        if why:
            decision = deny(Reason.PRIVATE_ADDRESS, rule.id if rule else None, f"{host.name} is {why}")
    if policy.mode.value == "audit" and decision.denies:
        decision = Decision(Verdict.AUDIT, decision.reason, decision.rule, decision.message)
    return decision, facts


def explain(args: argparse.Namespace) -> int:
    from egressguard.cli import default_policy_path

    try:
        policy = load_policy(args.policy or default_policy_path())
        decision, facts = decide(policy, args.method, args.url, args.resolve)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"egressguard explain: {exc}", file=sys.stderr)
        return 2
    findings: list[dict[str, str]] = []
    if args.body is not None and not decision.denies:
        from egressguard.cli.scan import scan_body

        try:
            decision, found = scan_body(policy, decision, args.url, args.body, args.header)
        except OSError as exc:
            print(f"egressguard explain: cannot read --body {args.body}: {exc.strerror}", file=sys.stderr)
            return 2
        findings = [f.as_dict() for f in found]
    if args.json:
        print(
            json.dumps(
                {
                    "decision": decision.verdict.value,
                    "reason": decision.reason.value if decision.reason else None,
                    "rule": decision.rule,
                    "findings": findings,
                    "message": decision.message,
                    "host": facts.host,
                    "port": facts.port,
                    "method": facts.method,
                    "path": facts.path,
                }
            )
        )
    else:
        reason = decision.reason.value if decision.reason else "-"
        print(f"{decision.verdict.value} reason={reason} rule={decision.rule or '-'}")
        if decision.message:
            print(f"  {decision.message}")
        for f in findings:
            print(f"  finding: {f['detector']} in {f['location']}")
    return 0
