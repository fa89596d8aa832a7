"""Decision-engine latency: Engine.evaluate per decision, as the policy grows.

    .venv/bin/python bench/engine_bench.py [--iterations N] [--sizes 10,100,1000,10000]

Builds policies of 10, 100, 1,000 and 10,000 rules (distinct hosts; every 10th rule a
wildcard `*.wN.example.net`, every 3rd exact one with path patterns, every 7th a deny rule) and times
one `Engine.evaluate` call at a time with `time.perf_counter_ns`, after a warm-up, for:

- match:    a host some exact rule names, with a path its rule allows
- miss:     a host no rule names (the common deny)
- wildcard: a host four labels below a wildcard rule

"warm" cycles through 1,000 distinct requests with the canonicalization caches filled (a
busy proxy sees the same hosts again and again); "cold" clears the host and path caches
before every call (outside the timed region), so each decision canonicalizes from scratch.
Prints a Markdown table; docs/benchmarks.md ("## Decision engine") records the numbers.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from egressguard.policy.engine import Engine, RequestFacts  # noqa: E402
from egressguard.policy.hosts import canonical_host, parse_host_pattern  # noqa: E402
from egressguard.policy.model import Action, Defaults, Mark, Mode, Policy, Rule  # noqa: E402
from egressguard.policy.paths import _cached_segments, parse_path_pattern  # noqa: E402

POOL = 1000  # distinct requests per scenario


def build_policy(n: int) -> Policy:
    rules = []
    for i in range(n):
        host = f"*.w{i}.example.net" if i % 10 == 9 else f"api{i}.svc{i % 97}.example.com"
        paths = None
        if i % 3 == 0 and not host.startswith("*"):
            paths = (parse_path_pattern(f"/v1/p{i}/**"), parse_path_pattern("/repos/acme/*/issues/*/comments"))
        rules.append(
            Rule(
                id=f"r{i}",
                hosts=(parse_host_pattern(host),),
                mark=Mark("bench.yaml", i + 1),
                paths=paths,
                action=Action.DENY if i % 7 == 6 else Action.ALLOW,
            )
        )
    return Policy(mode=Mode.ENFORCE, defaults=Defaults(), secrets={}, rules=tuple(rules), files=("bench.yaml",))


def scenarios(n: int) -> dict[str, list[RequestFacts]]:
    allow_exact = [i for i in range(n) if i % 10 != 9 and i % 7 != 6]
    wild = [i for i in range(n) if i % 10 == 9]
    match, miss, wildcard = [], [], []
    for k in range(POOL):
        i = allow_exact[k % len(allow_exact)]
        path = f"/v1/p{i}/items/{k}" if i % 3 == 0 else f"/anything/{k}"
        match.append(RequestFacts(f"api{i}.svc{i % 97}.example.com", 443, "GET", path, "https"))
        miss.append(RequestFacts(f"host{k}.unknown{k % 13}.example.org", 443, "GET", f"/x/{k}", "https"))
        w = wild[k % len(wild)]
        wildcard.append(RequestFacts(f"a{k}.b.c.d.w{w}.example.net", 443, "GET", f"/y/{k}", "https"))
    return {"match": match, "miss": miss, "wildcard": wildcard}


def _percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def measure(engine: Engine, requests: list[RequestFacts], iterations: int, cold: bool) -> tuple[float, float]:
    evaluate = engine.evaluate
    clock = time.perf_counter_ns
    def clear() -> None:
        if cold:
            canonical_host.cache_clear()
            _cached_segments.cache_clear()

    for facts in requests:  # warm-up: code paths, and (warm) the caches
        evaluate(facts)
    samples = []
    gc.disable()
    try:
        for k in range(iterations):
            facts = requests[k % len(requests)]
            clear()
            start = clock()
            evaluate(facts)
            samples.append(clock() - start)
    finally:
        gc.enable()
    samples.sort()
    return _percentile(samples, 0.50), _percentile(samples, 0.99)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=20000, help="timed decisions per cell (default 20000)")
    ap.add_argument("--sizes", default="10,100,1000,10000", help="rule counts, comma-separated")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{args.iterations} decisions per cell, p50 / p99 in µs\n")
    print("| rules | match warm | miss warm | wildcard warm | match cold | miss cold | wildcard cold | compile ms |")
    print("|------:|-----------:|----------:|--------------:|-----------:|----------:|--------------:|-----------:|")
    for n in sizes:
        policy = build_policy(n)
        start = time.perf_counter()
        engine = Engine(policy)
        compile_ms = (time.perf_counter() - start) * 1000
        cells: dict[str, list[str]] = {"warm": [], "cold": []}
        reqs = scenarios(n)
        for mode in ("warm", "cold"):
            for name in ("match", "miss", "wildcard"):
                iterations = args.iterations if mode == "warm" else max(1, args.iterations // 4)
                p50, p99 = measure(engine, reqs[name], iterations, cold=mode == "cold")
                cells[mode].append(f"{p50:.1f} / {p99:.1f}")
        # Sanity: the scenarios decide what they claim to.
        assert engine.evaluate(reqs["match"][0]).decision.rule is not None
        assert engine.evaluate(reqs["miss"][0]).decision.denies
        assert engine.evaluate(reqs["wildcard"][0]).decision.rule is not None
        print(f"| {n:,} | " + " | ".join(cells["warm"] + cells["cold"]) + f" | {compile_ms:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
