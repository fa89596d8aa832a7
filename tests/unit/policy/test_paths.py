"""Path canonicalization (driven by tests/data/vectors/paths.json) and path patterns."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from egressguard.policy.paths import (
    PathPatternError,
    canonical_path,
    canonical_segments,
    parse_path_pattern,
)

VECTORS = json.loads((Path(__file__).parents[2] / "data" / "vectors" / "paths.json").read_text("utf-8"))


@pytest.mark.parametrize("row", VECTORS, ids=[f"{i}: {r['note']}" for i, r in enumerate(VECTORS)])
def test_canonical_path_vector(row: dict[str, str | None]) -> None:
    raw, expected = row["input"], row["expected"]
    assert raw is not None
    assert canonical_path(raw) == expected
    if expected is not None:
        # A fixed point: the canonical form canonicalizes to itself, with the same segments.
        assert canonical_path(expected) == expected
        assert canonical_segments(expected) == canonical_segments(raw)


def test_vectors_cover_enough_cases() -> None:
    assert len(VECTORS) >= 60
    assert len({r["input"] for r in VECTORS}) == len(VECTORS), "duplicate input rows"


def test_segments_drop_empty_segments() -> None:
    assert canonical_segments("//a///b/") == ("a", "b")
    assert canonical_segments("/") == ()


def _seg(path: str) -> tuple[str, ...]:
    segs = canonical_segments(path)
    assert segs is not None
    return segs


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        pytest.param("/repos/acme/**", "/repos/acme", True, id="double star matches zero segments"),
        pytest.param("/repos/acme/**", "/repos/acme/x/y/z", True, id="double star matches any depth"),
        pytest.param("/repos/acme/**", "/repos/acmex/y", False, id="double star needs a segment boundary"),
        pytest.param("/repos/*/issues", "/repos/acme/issues", True, id="star matches one segment"),
        pytest.param("/repos/*/issues", "/repos/issues", False, id="star needs exactly one segment"),
        pytest.param("/repos/*/issues", "/repos/a/b/issues", False, id="star does not cross a slash"),
        pytest.param("/repos/acme/*/issues/*/comments", "/repos/acme/w/issues/7/comments", True,
                     id="two stars in one pattern"),
        pytest.param("/a/**/z", "/a/z", True, id="inner double star matches zero segments"),
        pytest.param("/a/**/z", "/a/b/c/z", True, id="inner double star matches several segments"),
        pytest.param("/a/**/z", "/a/b/c", False, id="inner double star still needs the tail"),
        pytest.param("/**", "/", True, id="root double star matches the root"),
        pytest.param("/", "/", True, id="root pattern matches the root"),
        pytest.param("/", "/a", False, id="root pattern matches only the root"),
        pytest.param("/admin", "/Admin", False, id="paths are case-sensitive"),
        pytest.param("/admin", "//admin/", True, id="empty segments and a trailing slash do not escape"),
        pytest.param("/admin/**", "/public/../admin/x", True, id="dot segments are resolved before matching"),
        pytest.param("/admin/**", "/%61dmin/x", True, id="percent-encoding is decoded before matching"),
        pytest.param("/café", "/caf%C3%A9", True, id="unicode pattern matches its encoded form"),
        pytest.param("/api/v1", "/api/v1/", True, id="trailing slash is the same path"),
    ],
)
def test_path_pattern_matches(pattern: str, path: str, matches: bool) -> None:
    assert parse_path_pattern(pattern).matches(_seg(path)) is matches


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        pytest.param("repos/**", 'does not start with "/"', id="pattern without a leading slash"),
        pytest.param("", 'does not start with "/"', id="empty pattern"),
        pytest.param("/a?x=1", "query or fragment", id="pattern with a query"),
        pytest.param("/a#top", "query or fragment", id="pattern with a fragment"),
        pytest.param("/a*/b", "inside a segment", id="star inside a segment"),
        pytest.param("/a/***", "inside a segment", id="triple star"),
        pytest.param("/a%2Fb", "ambiguous encoding", id="encoded slash in a pattern"),
        pytest.param("/a/../b", '"." or ".."', id="dot-dot in a pattern"),
        pytest.param("/a/./b", '"." or ".."', id="single dot in a pattern"),
    ],
)
def test_bad_path_pattern(pattern: str, message: str) -> None:
    with pytest.raises(PathPatternError, match=message):
        parse_path_pattern(pattern)


def test_deep_double_star_patterns_stay_fast() -> None:
    # Matching is bounded by pattern x path length: a hostile path is cheap even against a
    # pattern with many `**` (naive backtracking takes minutes here).
    pat = parse_path_pattern("/" + "/".join(["**", "a"] * 6) + "/z")
    path = tuple(["a"] * 2000)
    start = time.perf_counter()
    assert pat.matches(path) is False
    assert pat.matches((*path, "z")) is True
    assert time.perf_counter() - start < 1.0
