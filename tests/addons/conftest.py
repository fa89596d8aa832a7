"""Addon tests: our addons driven directly with mitmproxy's test flows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from egressguard.approval.gate import ApprovalGate
from egressguard.observability.metrics import EgressMetrics
from egressguard.policy.loader import load_policy
from egressguard.runtime import PolicyHolder, Runtime, compile_policy

POLICY = """
version: 1
secrets:
  tok:
    from: {env: EG_ADDON_TOKEN}
    hosts: [api.example.test]
rules:
  - id: api
    hosts: [api.example.test]
    methods: [GET, POST]
    private_networks: allow
    inject: {headers: {Authorization: "Bearer ${secrets.tok}"}}
  - id: gated
    hosts: [gated.example.test]
    methods: [POST]
    approval: required
    private_networks: allow
"""


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    compiled = compile_policy(
        load_policy(path),
        environ={"EG_ADDON_TOKEN": "addon-secret-value-123"},
        read_file=lambda p: b"",
        fingerprint_key=b"k" * 32,
    )
    return Runtime(
        holder=PolicyHolder(compiled),
        metrics=EgressMetrics(CollectorRegistry()),
        approvals=ApprovalGate(clock=time.monotonic, wallclock=time.time),
        overrides={"api.example.test": __import__("ipaddress").ip_address("127.0.0.1")},
    )
