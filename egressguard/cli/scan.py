"""`explain --body FILE`: run the policy's scanners on a body, as `run` would."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from egressguard.decision import Decision, Finding, Reason, Verdict, deny
from egressguard.errors import SecretSourceError
from egressguard.policy.hosts import HostError, canonical_host
from egressguard.policy.model import Policy
from egressguard.runtime import build_scanner, compile_policy
from egressguard.scanning import ExactSecret, Scanner


def _scanner(policy: Policy) -> Scanner:
    """The policy's scanner; with real secret values when their sources are readable here,
    else with the placeholders alone."""
    try:
        compiled = compile_policy(
            policy,
            environ=os.environ,
            read_file=lambda p: Path(p).read_bytes(),
            fingerprint_key=secrets.token_bytes(32),
        )
        return compiled.scanner
    except SecretSourceError:
        exact = [
            ExactSecret(name=s.name, value=s.placeholder.encode(), kind="placeholder")
            for s in policy.secrets.values()
            if s.placeholder
        ]
        return build_scanner(policy, policy.defaults.scan, exact, secrets.token_bytes(32))


def scan_body(
    policy: Policy, decision: Decision, url: str, body_file: str, header_args: list[str]
) -> tuple[Decision, tuple[Finding, ...]]:
    body = Path(body_file).read_bytes()
    headers = [(k.strip(), v.strip()) for k, _, v in (h.partition(":") for h in header_args)]
    hmap = {k.lower(): v for k, v in headers}
    if len(body) > policy.defaults.max_body:
        return deny(Reason.BODY_TOO_LARGE, decision.rule, f"the body is {len(body)} bytes"), ()
    scanner = _scanner(policy)
    try:
        host = canonical_host(urlsplit(url).hostname or "")
        exempt = frozenset(n for n, d in policy.secrets.items() if any(p.matches(host) for p in d.hosts))
    except HostError:
        exempt = frozenset()
    result = scanner.scan_request(
        url=url,
        headers=headers,
        body=body,
        content_encoding=hmap.get("content-encoding"),
        content_type=hmap.get("content-type"),
        exempt=exempt,
    )
    if result.reason is None:
        return decision, result.findings
    found = ", ".join(sorted({f.detector for f in result.findings}))
    verdict = Verdict.AUDIT if policy.mode.value == "audit" else Verdict.DENY
    return Decision(
        verdict, result.reason, decision.rule, f"found: {found}", result.findings
    ), result.findings
