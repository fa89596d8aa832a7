"""Soak: many mixed allowed/denied requests at concurrency 64 against egressguard, then prove
no decision was lost and memory stayed flat.

    .venv/bin/python bench/soak.py [--requests N | --short] [--concurrency 64] [--rev REV]

Traffic (per connection, chosen at random; each connection sends 1-100 requests, then
closes, so connection state is created and dropped all the time):
  - plain HTTP, keep-alive, a mix per request of: allowed GET, allowed 1 KiB JSON POST
    (scanned), GET to a host no rule names (`host_not_allowed`), DELETE to the allowed
    host (`method_not_allowed`);
  - HTTPS through CONNECT (intercepted): allowed GETs inside the tunnel;
  - now and then a CONNECT to a host no rule names (denied on the CONNECT: one request).

Checks (exit 1 if any fails):
  - every request got an answer, allowed ones 200 and denied ones 403 (no errors);
  - `egress.decision` lines on the proxy's stdout == requests sent ==
    sum of `egressguard_requests_total` on /metrics;
  - RSS (VmRSS from /proc, sampled every `--sample` s) at the end is within 20 % of RSS
    after warm-up (the first 10 % of requests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from proxy_bench import (  # noqa: E402
    BENCH_HOST,
    REQUEST_TIMEOUT,
    ROOT,
    HttpError,
    bench_policy,
    close_quietly,
    connect,
    cpu_seconds,
    metric_sum,
    open_tunnel,
    read_response,
    rss_kib,
    snapshot,
    source_label,
    start_egressguard,
)
from upstream import Upstream  # noqa: E402

DENIED_HOST = "denied.test"
FLAT = 0.20  # RSS growth allowed from warm-up to end
POST_BODY = json.dumps({"title": "soak", "items": [{"id": i, "text": "hello world " * 4} for i in range(15)]})


@dataclass
class Stats:
    sent: int = 0  # requests answered
    issued: int = 0  # requests claimed by a worker
    errors: int = 0
    unexpected: int = 0  # answered with a status the request should not get
    by_kind: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    connections: int = 0

    def count(self, kind: str) -> None:
        self.sent += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


def plain_request(kind: str, port: int) -> tuple[bytes, int]:
    auth = f"{BENCH_HOST}:{port}"
    if kind == "get":
        return f"GET http://{auth}/soak?q=1 HTTP/1.1\r\nHost: {auth}\r\n\r\n".encode(), 200
    if kind == "post":
        body = POST_BODY.encode()
        head = (
            f"POST http://{auth}/soak HTTP/1.1\r\nHost: {auth}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body, 200
    if kind == "deny_host":
        return f"GET http://{DENIED_HOST}/x HTTP/1.1\r\nHost: {DENIED_HOST}\r\n\r\n".encode(), 403
    if kind == "deny_method":
        return f"DELETE http://{auth}/soak HTTP/1.1\r\nHost: {auth}\r\n\r\n".encode(), 403
    raise ValueError(kind)


PLAIN_MIX = [("get", 55), ("post", 15), ("deny_host", 18), ("deny_method", 12)]


async def soak(
    port: int, up: Upstream, ctx: ssl.SSLContext, n: int, concurrency: int, stats: Stats, seed: int
) -> None:
    kinds = [k for k, _ in PLAIN_MIX]
    weights = [w for _, w in PLAIN_MIX]
    tls_auth = f"{BENCH_HOST}:{up.https_port}"
    tls_get = f"GET /soak HTTP/1.1\r\nHost: {tls_auth}\r\n\r\n".encode()
    plain = {k: plain_request(k, up.http_port) for k in kinds}

    def claim() -> bool:
        if stats.issued >= n:
            return False
        stats.issued += 1
        return True

    async def exchange(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, req: bytes) -> tuple[int, bool]:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            writer.write(req)
            return await read_response(reader)

    async def worker(i: int) -> None:
        rnd = random.Random(seed * 1000 + i)
        while stats.issued < n:
            stats.connections += 1
            pick = rnd.random()
            per_conn = rnd.randint(1, 100)
            if pick < 0.02:  # a CONNECT no rule allows: one request, one line
                if not claim():
                    return
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        reader, writer = await connect(port)
                        writer.write(f"CONNECT {DENIED_HOST}:443 HTTP/1.1\r\nHost: {DENIED_HOST}:443\r\n\r\n".encode())
                        status, _ = await read_response(reader)
                    close_quietly(writer)
                    stats.count("deny_connect")
                    if status != 403:
                        stats.unexpected += 1
                except (OSError, asyncio.IncompleteReadError, HttpError, ValueError) as exc:
                    stats.error(f"deny_connect: {exc!r}")
                continue
            tunnel = pick < 0.30
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    if tunnel:
                        reader, writer = await open_tunnel(port, tls_auth, ctx, BENCH_HOST)
                    else:
                        reader, writer = await connect(port)
            except (OSError, asyncio.IncompleteReadError, HttpError, ssl.SSLError, ValueError) as exc:
                stats.error(f"connect: {exc!r}")
                await asyncio.sleep(0.01)
                continue
            try:
                for _ in range(per_conn):
                    if not claim():
                        break
                    if tunnel:
                        kind, (req, want) = "tls_get", (tls_get, 200)
                    else:
                        kind = rnd.choices(kinds, weights)[0]
                        req, want = plain[kind]
                    try:
                        status, close = await exchange(writer, reader, req)
                    except (OSError, asyncio.IncompleteReadError, HttpError, ssl.SSLError, ValueError) as exc:
                        stats.error(f"{kind}: {exc!r}")
                        break
                    stats.count(kind)
                    if status != want:
                        stats.unexpected += 1
                        if len(stats.error_samples) < 5:
                            stats.error_samples.append(f"{kind}: status {status}, wanted {want}")
                    if close:
                        break
            finally:
                close_quietly(writer)

    await asyncio.gather(*(worker(i) for i in range(concurrency)))


def count_decisions(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if b'"event":"egress.decision"' in line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--short", action="store_true", help="20,000 requests (for make bench)")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--sample", type=float, default=2.0, help="seconds between RSS samples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rev", help="soak egressguard as committed at REV (git archive), not the working tree")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--json", type=Path, help="write the summary here")
    a = ap.parse_args()
    n = 20_000 if a.short else a.requests

    cpus = sorted(os.sched_getaffinity(0))
    pin = not a.no_pin and len(cpus) >= 2
    proxy_cpus, client_cpus = ({cpus[0]}, set(cpus[1:])) if pin else (None, None)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)

    work = Path(tempfile.mkdtemp(prefix="eg-soak-"))
    procs: list[Any] = []
    try:
        up = Upstream(work / "upstream", [BENCH_HOST], client_cpus)
        procs.append(up)
        src = snapshot(a.rev, work / "src") if a.rev else ROOT
        eg = start_egressguard(work, bench_policy([up.http_port, up.https_port], BENCH_HOST), up.ca, proxy_cpus,
                               BENCH_HOST, src)  # fmt: skip
        procs.append(eg)
        assert eg.log_path is not None and eg.metrics_url is not None
        ctx = ssl.create_default_context(cafile=str(eg.ca))
        stats = Stats()
        samples: list[tuple[float, int, int]] = []  # (seconds, requests done, RSS KiB)
        warm: list[int] = []
        t0 = time.monotonic()
        cpu0 = cpu_seconds(eg.pid)

        async def run() -> None:
            async def sampler() -> None:
                while True:
                    rss = rss_kib(eg.pid)
                    samples.append((time.monotonic() - t0, stats.sent, rss))
                    if not warm and stats.sent >= n // 10:
                        warm.append(rss)
                    print(f"  {samples[-1][0]:6.1f} s  {stats.sent:7d} requests  RSS {rss / 1024:6.1f} MiB",
                          file=sys.stderr, flush=True)  # fmt: skip
                    await asyncio.sleep(a.sample)

            task = asyncio.create_task(sampler())
            try:
                await soak(eg.port, up, ctx, n, a.concurrency, stats, a.seed)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        asyncio.run(run())
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(eg.pid) - cpu0
        end_rss = rss_kib(eg.pid)
        samples.append((elapsed, stats.sent, end_rss))
        warm_rss = warm[0] if warm else samples[0][2]
        # the lines are flushed per decision; give the file a moment, then count
        lines = count_decisions(eg.log_path)
        deadline = time.monotonic() + 10
        while lines < stats.sent and time.monotonic() < deadline:
            time.sleep(0.2)
            lines = count_decisions(eg.log_path)
        metric = int(metric_sum(eg.metrics_url, "egressguard_requests_total"))
        growth = end_rss / warm_rss - 1 if warm_rss else float("nan")
        checks = {
            "no errors": stats.errors == 0,
            "expected statuses": stats.unexpected == 0,
            "all requests sent": stats.sent == n,
            "decision lines == requests": lines == stats.sent,
            "requests_total == requests": metric == stats.sent,
            f"RSS flat (end within {FLAT:.0%} of warm-up)": growth <= FLAT,
        }
        summary = {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "egressguard": source_label(a.rev),
            "requests": n,
            "sent": stats.sent,
            "by_kind": stats.by_kind,
            "connections": stats.connections,
            "concurrency": a.concurrency,
            "errors": stats.errors,
            "unexpected_status": stats.unexpected,
            "error_samples": stats.error_samples,
            "decision_lines": lines,
            "requests_total_metric": metric,
            "seconds": round(elapsed, 1),
            "req_per_s": round(stats.sent / elapsed, 1),
            "proxy_cpu_s": round(cpu, 1),
            "proxy_cpu_us_per_req": round(cpu / max(1, stats.sent) * 1e6),
            "rss_start_mib": round(samples[0][2] / 1024, 1),
            "rss_warm_mib": round(warm_rss / 1024, 1),
            "rss_max_mib": round(max(s[2] for s in samples) / 1024, 1),
            "rss_end_mib": round(end_rss / 1024, 1),
            "rss_growth": round(growth, 3),
            "rss_samples": [(round(t, 1), done, kib) for t, done, kib in samples],
            "checks": checks,
        }
        print(f"soak: {stats.sent}/{n} requests in {elapsed:.1f} s ({stats.sent / elapsed:.0f} req/s) at "
              f"concurrency {a.concurrency}, {stats.connections} connections; mix {stats.by_kind}")  # fmt: skip
        print(f"  decision lines {lines}, egressguard_requests_total {metric}, errors {stats.errors}, "
              f"unexpected statuses {stats.unexpected} {stats.error_samples or ''}")  # fmt: skip
        print(f"  RSS: start {summary['rss_start_mib']} MiB, after warm-up {summary['rss_warm_mib']} MiB, "
              f"max {summary['rss_max_mib']} MiB, end {summary['rss_end_mib']} MiB ({growth:+.1%})")  # fmt: skip
        print(f"  proxy CPU {cpu:.1f} s ({summary['proxy_cpu_us_per_req']} µs/request); egressguard {summary['egressguard']}")
        for name, ok in checks.items():
            print(f"  [{'ok' if ok else 'FAIL'}] {name}")
        if a.json:
            a.json.write_text(json.dumps(summary, indent=2))
        return 0 if all(checks.values()) else 1
    finally:
        for p in reversed(procs):
            with contextlib.suppress(Exception):
                p.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
