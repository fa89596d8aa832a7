"""Scanner throughput: clean text, JSON, and hostile bodies, 10 MiB each, every detector on.

    .venv/bin/python bench/scan_bench.py [--repeat N]

Prints GB/s (decimal) per body; docs/scanning.md records the numbers. Clean text is the
false-positive corpus's source code and prose, concatenated; the JSON body is its API and
lock-file documents in one array.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from egressguard.scanning import ExactSecret, Scanner  # noqa: E402

SIZE = 10 * 1024 * 1024
CORPUS = ROOT / "tests" / "data" / "corpus"


def _corpus(*names: str) -> list[dict[str, str]]:
    items = []
    for name in names:
        with gzip.open(CORPUS / f"{name}.jsonl.gz", "rt") as fh:
            items += [json.loads(line) for line in fh]
    return items


def _fill(parts: list[bytes]) -> bytes:
    out = bytearray()
    while len(out) < SIZE:
        for p in parts:
            out += p
            if len(out) >= SIZE:
                break
    return bytes(out[:SIZE])


def bodies() -> dict[str, tuple[bytes, str]]:
    rng = random.Random(7)
    code = [i["body"].encode() for i in _corpus("source_code")]
    prose = [i["body"].encode() for i in _corpus("prose")]
    docs = [
        json.loads(i["body"])
        for i in _corpus("api_json", "lockfiles")
        if i["content_type"] == "application/json"
    ]
    json_body = json.dumps(docs * 20).encode()[:SIZE]
    json_body = json_body[: json_body.rfind(b"}") + 1] + b"]"
    hostile_runs = _fill([base64.b64encode(rng.randbytes(3000)) + b"\n"])
    hostile_hits = _fill([b"ghp_AKIAxoxb-eyJhbGciOi sk-ant-api03- %41%42 \\u0041 key= password: 4111 1111 "])
    return {
        "clean text (code)": (_fill(code), "text/plain"),
        "clean text (prose)": (_fill(prose), "text/plain"),
        "json": (json_body, "application/json"),
        "hostile: base64 runs": (hostile_runs, "text/plain"),
        "hostile: prefilter hits": (hostile_hits, "text/plain"),
        "hostile: gzip bomb (1 GiB zeros)": (_bomb(), "application/octet-stream"),
    }


def _bomb() -> bytes:
    import zlib

    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join(c.compress(chunk) for _ in range(1024)) + c.flush()


def measure(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    scanner = Scanner(
        scanners=frozenset({"secrets", "bulk"}),
        exact=[
            ExactSecret("github", b"ghp_" + b"x1Y2" * 9, "value"),
            ExactSecret("github", b"EG_SECRET_GITHUB", "placeholder"),
        ],
        fingerprint_key=b"bench",
    )
    for name, (body, ctype) in bodies().items():
        encoding = "gzip" if "bomb" in name else None
        result = scanner.scan_request(
            url="https://example.com/upload",
            headers=[],
            body=body,
            content_type=ctype,
            content_encoding=encoding,
        )
        seconds = measure(
            lambda body=body, ctype=ctype, encoding=encoding: scanner.scan_request(
                url="https://example.com/upload",
                headers=[],
                body=body,
                content_type=ctype,
                content_encoding=encoding,
            ),
            args.repeat,
        )
        print(
            f"{name:36s} {len(body) / 2**20:6.1f} MiB  {len(body) / seconds / 1e9:6.2f} GB/s  {seconds * 1e3:7.1f} ms  findings={len(result.findings)}"
        )


if __name__ == "__main__":
    main()
