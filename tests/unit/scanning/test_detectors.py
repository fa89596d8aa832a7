"""Every detector: its vectors (positives found, negatives not) and the shared near-miss corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egressguard.scanning.detectors import DEFAULT_DETECTORS

VECTORS = Path(__file__).parents[2] / "data" / "vectors" / "tokens"
BY_NAME = {d.name: d for d in DEFAULT_DETECTORS}
NEAR_MISS = json.loads((VECTORS / "_near_miss.json").read_text())["values"]


def _vectors(kind: str) -> list[object]:
    cases = []
    for path in sorted(VECTORS.glob("[a-z]*.json")):
        doc = json.loads(path.read_text())
        for i, text in enumerate(doc[kind]):
            cases.append(pytest.param(doc["detector"], text, id=f"{doc['detector']} {kind} {i}"))
    return cases


def _find(name: str, text: str) -> list[bytes]:
    data = text.encode()
    return [data[m.start : m.end] for m in BY_NAME[name].find(data, 0, len(data))]


def test_registry_has_at_least_25_families_with_unique_stable_names() -> None:
    names = [d.name for d in DEFAULT_DETECTORS]
    assert len(names) == len(set(names)) >= 25
    assert all(name.islower() and " " not in name for name in names)


@pytest.mark.parametrize("path", sorted(VECTORS.glob("[a-z]*.json")), ids=lambda p: p.stem)
def test_every_detector_has_reference_and_both_kinds_of_examples(path: Path) -> None:
    doc = json.loads(path.read_text())
    assert doc["detector"] in BY_NAME
    assert doc["reference"].startswith("https://")
    assert doc["positive"] and doc["negative"]


def test_every_registered_detector_has_vectors() -> None:
    assert {p.stem for p in VECTORS.glob("[a-z]*.json")} == set(BY_NAME)


@pytest.mark.parametrize(("name", "text"), _vectors("positive"))
def test_positive_vector_is_found(name: str, text: str) -> None:
    assert _find(name, text), f"{name} missed its positive example"


@pytest.mark.parametrize(("name", "text"), _vectors("negative"))
def test_negative_vector_is_not_found(name: str, text: str) -> None:
    assert _find(name, text) == []


@pytest.mark.parametrize("text", NEAR_MISS, ids=lambda t: t[:24])
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_near_miss_corpus_matches_no_detector(name: str, text: str) -> None:
    assert _find(name, text) == []
    assert _find(name, f'key = "{text}"\n') == []


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_prefilter_finds_every_positive_example(name: str) -> None:
    """The Hyperscan prefilter must fire wherever the exact pattern matches, or findings are lost."""
    import hyperscan

    det = BY_NAME[name]
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=list(det.prefilter), ids=list(range(len(det.prefilter))), elements=len(det.prefilter)
    )
    doc = json.loads((VECTORS / f"{name}.json").read_text())
    for text in doc["positive"]:
        ends: list[int] = []
        db.scan(text.encode(), match_event_handler=lambda i, f, t, fl, c, ends=ends: ends.append(t))
        assert ends, f"{name}: prefilter missed {text[:20]}..."
