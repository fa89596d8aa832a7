"""`egressguard suggest LOGFILE...`: the smallest policy that allows what the logs saw.

Reads `egress.decision` lines (typically from audit mode), groups them by host and port,
and generalizes paths: id-like segments (numbers, hex, UUIDs) become `*`, and a host with
many paths gets the longest common prefix plus `/**`. The output passes `check`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field

from egressguard.policy.hosts import HostError, canonical_host
from egressguard.policy.model import READ_ONLY_METHODS
from egressguard.policy.paths import canonical_segments

_ID = re.compile(
    r"^(?:\d+|[0-9a-f]{7,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
MAX_EXACT_PATHS = 8
_METHOD = re.compile(r"^[A-Z][A-Z0-9_-]{0,31}$")


@dataclass
class Seen:
    methods: set[str] = field(default_factory=set)
    paths: set[tuple[str, ...]] = field(default_factory=set)
    connect_only: bool = True
    private: bool = False


def _generalize(paths: set[tuple[str, ...]]) -> list[str]:
    shaped = {tuple("*" if _ID.match(s) else s for s in p) for p in paths}
    if len(shaped) <= MAX_EXACT_PATHS:
        return sorted("/" + "/".join(p) for p in shaped)
    prefix: list[str] = []
    for parts in zip(*shaped, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return ["/" + "/".join([*prefix, "**"])] if prefix else ["/**"]


def _rule_id(host: str, port: int, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")[:50] or "host"
    if port not in (80, 443):
        base += f"-{port}"
    rid, n = base, 2
    while rid in used:
        rid, n = f"{base}-{n}", n + 1
    used.add(rid)
    return rid


def collect(lines: list[str]) -> dict[tuple[str, int, str], Seen]:
    seen: dict[tuple[str, int, str], Seen] = defaultdict(Seen)
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("event") != "egress.decision":
            continue
        try:
            host = canonical_host(str(event.get("host", ""))).name
            port = int(event.get("port") or 0)
        except (HostError, ValueError, TypeError):
            continue
        if not 0 < port < 65536:
            continue
        method = str(event.get("method", ""))
        scheme = str(event.get("scheme") or "")
        entry = seen[(host, port, scheme if method != "CONNECT" else "")]
        if "private_address" in (event.get("reason"), *(event.get("audit_reasons") or ())):
            entry.private = True
        if method == "CONNECT" or not _METHOD.match(method):
            continue
        entry.connect_only = False
        entry.methods.add(method)
        segs = canonical_segments(str(event.get("path") or "/"))
        if segs is not None:
            entry.paths.add(segs)
    return seen


def render(seen: dict[tuple[str, int, str], Seen]) -> str:
    # A CONNECT seen for a host whose requests were also seen adds nothing.
    with_requests = {(h, p) for (h, p, s), e in seen.items() if not e.connect_only}
    out = [
        "# Suggested by `egressguard suggest` from decision logs. Review it, then `egressguard check`.",
        "version: 1",
        "rules:",
    ]
    used: set[str] = set()
    count = 0
    for (host, port, scheme), entry in sorted(seen.items()):
        if entry.connect_only and (host, port) in with_requests:
            continue
        rid = _rule_id(host, port, used)
        out.append(f"  - id: {rid}")
        out.append(f"    hosts: [{json.dumps(host)}]")
        default = {"https": 443, "http": 80}.get(scheme)
        if (entry.connect_only and port not in (80, 443)) or (not entry.connect_only and port != default):
            out.append(f"    ports: [{port}]")
        if entry.methods and not entry.methods <= READ_ONLY_METHODS:
            out.append(f"    methods: [{', '.join(sorted(entry.methods))}]")
        if entry.paths:
            paths = _generalize(entry.paths)
            if paths != ["/**"]:
                out.append(f"    paths: [{', '.join(json.dumps(p) for p in paths)}]")
        if entry.private:
            out.append("    private_networks: allow   # review: this host resolved to a private address")
        count += 1
    if not count:
        out[-1] = "rules: []"
    return "\n".join(out) + "\n"


def suggest(args: argparse.Namespace) -> int:
    lines: list[str] = []
    for name in args.logfiles:
        try:
            with sys.stdin if name == "-" else open(name, encoding="utf-8", errors="replace") as f:
                lines.extend(f)
        except OSError as exc:
            print(f"egressguard suggest: cannot read {name}: {exc.strerror}", file=sys.stderr)
            return 2
    sys.stdout.write(render(collect(lines)))
    return 0
