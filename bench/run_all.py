"""Run every benchmark in bench/ that exists (`make bench`), one after the other.

    .venv/bin/python bench/run_all.py [--quick] [--only NAME ...]

  proxy_bench.py   egressguard vs mitmdump throughput and latency (`--quick`: ~30 s)
  soak.py --short  20,000 mixed requests: no lost decision, flat memory
  engine_bench.py  policy engine (if present)
  scan_bench.py    scanner throughput (if present)

Each runs in its own interpreter, output passed through; a summary follows. Exit 1 if any
benchmark failed (a soak check failing is a failure).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES: list[tuple[str, list[str], list[str]]] = [
    # (script, arguments, extra arguments under --quick)
    ("proxy_bench.py", [], ["--quick"]),
    ("soak.py", ["--short"], []),
    ("engine_bench.py", [], []),
    ("scan_bench.py", [], []),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the short variant of each benchmark")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="e.g. --only proxy_bench soak")
    a = ap.parse_args()
    results: list[tuple[str, str, float]] = []
    for script, args, quick in BENCHES:
        name = script.removesuffix(".py")
        if a.only and name not in a.only and script not in a.only:
            continue
        path = HERE / script
        if not path.exists():
            results.append((name, "absent", 0.0))
            continue
        cmd = [sys.executable, str(path), *args, *(quick if a.quick else [])]
        print(f"\n==> {' '.join([Path(cmd[0]).name, *cmd[1:]])}", flush=True)
        start = time.monotonic()
        rc = subprocess.run(cmd, check=False).returncode
        results.append((name, "ok" if rc == 0 else f"FAILED (exit {rc})", time.monotonic() - start))
    print("\n== benchmarks")
    for name, status, secs in results:
        print(f"  {name:14s} {status:18s} {secs:6.1f} s" if status != "absent" else f"  {name:14s} absent")
    return 1 if any(s.startswith("FAILED") for _, s, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
