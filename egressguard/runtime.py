"""What the proxy runs on: one frozen Runtime, built by the composition root (cli/run.py).

The policy in force is swapped atomically on reload (`PolicyHolder.current`); each request
keeps the `Compiled` snapshot it started with, so in-flight requests finish under it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from egressguard.approval.gate import ApprovalGate
from egressguard.credentials.sources import read_secrets
from egressguard.credentials.store import SecretStore
from egressguard.netguard.addresses import IPAddress
from egressguard.observability.metrics import EgressMetrics
from egressguard.policy.engine import Engine
from egressguard.policy.model import Action, Mode, Policy, Rule
from egressguard.scanning import BulkThresholds, ExactSecret, ScanLimits, Scanner


@dataclass(frozen=True)
class Compiled:
    """A policy made ready for requests: its engine, scanners and secret values."""

    policy: Policy
    engine: Engine
    secrets: SecretStore
    scanners: Mapping[frozenset[str], Scanner]
    needles: list[bytes]  # every spelling of every managed value, for redaction

    @property
    def mode(self) -> Mode:
        return self.policy.mode

    @property
    def scanner(self) -> Scanner:
        return self.scanners[self.policy.defaults.scan]

    def scanner_for(self, rule: Rule | None) -> Scanner:
        scans = rule.scan if rule is not None and rule.scan is not None else self.policy.defaults.scan
        return self.scanners[scans]


def build_scanner(
    policy: Policy, scans: frozenset[str], exact: Sequence[ExactSecret], fingerprint_key: bytes
) -> Scanner:
    """A scanner with the policy's limits and bulk thresholds."""
    d = policy.defaults
    return Scanner(
        scanners=scans,
        exact=exact,
        fingerprint_key=fingerprint_key,
        limits=ScanLimits(max_decoded_bytes=d.scan_limit),
        bulk=BulkThresholds(emails=d.bulk.emails, cards=d.bulk.cards, archive_bytes=d.bulk.archive_bytes),
        unscannable_denies=d.unscannable is Action.DENY,
    )


def compile_policy(
    policy: Policy, *, environ: Mapping[str, str], read_file: Callable[[str], bytes], fingerprint_key: bytes
) -> Compiled:
    """Ready a loaded policy. Raises SecretSourceError when a secret cannot be read."""
    store = SecretStore(policy.secrets, read_secrets(policy.secrets, environ, read_file))
    scans = {policy.defaults.scan} | {r.scan for r in policy.rules if r.scan is not None}
    scanners = {s: build_scanner(policy, s, store.exact_secrets(), fingerprint_key) for s in scans}
    return Compiled(policy, Engine(policy), store, scanners, store.redaction_needles())


@dataclass
class PolicyHolder:
    current: Compiled


@dataclass(frozen=True)
class Runtime:
    holder: PolicyHolder
    metrics: EgressMetrics
    approvals: ApprovalGate
    overrides: Mapping[str, IPAddress] = field(default_factory=dict)
    local_addresses: frozenset[IPAddress] = frozenset()
    # the proxy's own listeners, (ip or None for "every interface", port); filled once bound
    own_endpoints: set[tuple[IPAddress | None, int]] = field(default_factory=set)
    dns_timeout: float = 5.0
