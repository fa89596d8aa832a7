"""False positives are bugs: the ordinary-traffic corpus must scan without a single finding."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from egressguard.scanning import Scanner

CORPUS = Path(__file__).parents[2] / "data" / "corpus"


def _items() -> Iterator[dict[str, str]]:
    for path in sorted(CORPUS.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def test_corpus_is_big_enough() -> None:
    assert sum(len(item["body"].encode()) for item in _items()) >= 5_000_000


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.jsonl.gz")), ids=lambda p: p.name.split(".")[0])
def test_ordinary_traffic_has_zero_findings(path: Path) -> None:
    scanner = Scanner(scanners=frozenset({"secrets", "bulk"}), fingerprint_key=b"corpus")
    noisy = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            result = scanner.scan_request(
                url="https://api.example.net/upload",
                headers=[("Content-Type", item["content_type"]), ("User-Agent", "agent/1.0")],
                body=item["body"].encode(),
                content_type=item["content_type"],
            )
            if result.findings or result.undecodable:
                noisy.append((item["name"], [(f.detector, f.location) for f in result.findings]))
    assert noisy == []
