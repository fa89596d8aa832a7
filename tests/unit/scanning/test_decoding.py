"""Bounded decoders."""

from __future__ import annotations

import base64
import gzip
import time
import tracemalloc
import zlib

import brotli
import pytest

from egressguard.scanning import decoding as dec

try:
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    from backports import zstd  # type: ignore[import-not-found,no-redef,unused-ignore]

PAYLOAD = b"hello world " * 100


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        pytest.param("gzip", gzip.compress(PAYLOAD), id="gzip"),
        pytest.param(
            "gzip", gzip.compress(PAYLOAD[:600]) + gzip.compress(PAYLOAD[600:]), id="gzip with two members"
        ),
        pytest.param("deflate", zlib.compress(PAYLOAD), id="zlib-wrapped deflate"),
        pytest.param("deflate", zlib.compress(PAYLOAD)[2:-4], id="raw deflate"),
        pytest.param("br", brotli.compress(PAYLOAD), id="brotli"),
        pytest.param("zstd", zstd.compress(PAYLOAD), id="zstd"),
    ],
)
def test_each_content_coding_round_trips(coding: str, encoded: bytes) -> None:
    assert dec.decode_content(encoded, coding, 10_000) == PAYLOAD


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        pytest.param("gzip", gzip.compress(PAYLOAD), id="gzip"),
        pytest.param("deflate", zlib.compress(PAYLOAD), id="deflate"),
        pytest.param("br", brotli.compress(PAYLOAD), id="brotli"),
        pytest.param("zstd", zstd.compress(PAYLOAD), id="zstd"),
    ],
)
def test_output_over_the_limit_raises(coding: str, encoded: bytes) -> None:
    with pytest.raises(dec.LimitExceeded):
        dec.decode_content(encoded, coding, 100)


def test_a_gigabyte_bomb_stops_fast_with_bounded_memory() -> None:
    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    bomb = b"".join(c.compress(chunk) for _ in range(1024)) + c.flush()
    tracemalloc.start()
    t = time.perf_counter()
    with pytest.raises(dec.LimitExceeded):
        dec.gunzip(bomb, 8 * 1024 * 1024)
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 64 * 1024 * 1024


def test_stacked_codings_come_off_in_reverse_order() -> None:
    assert dec.content_encodings("gzip, br") == ["br", "gzip"]
    assert dec.content_encodings("identity") == []
    assert dec.content_encodings(None) == []


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param(base64.b64encode(b"x" * 30), ("base64", b"x" * 30), id="base64"),
        pytest.param(
            base64.urlsafe_b64encode(bytes(range(200, 240))).rstrip(b"="),
            ("base64", bytes(range(200, 240))),
            id="base64url unpadded",
        ),
        pytest.param(b"ab" * 20, ("hex", b"\xab" * 20), id="hex"),
        pytest.param(
            b"this_is_a_long_snake_case_identifier_name", None, id="lowercase identifier is not base64"
        ),
        pytest.param(b"path/to-some_file/Name", None, id="mixed alphabets are not base64"),
    ],
)
def test_decode_run(run: bytes, expected: tuple[str, bytes] | None) -> None:
    assert dec.decode_run(run) == expected


def test_unescape_and_percent() -> None:
    assert dec.unescape(b"\\u0067hp\\x5f\\/") == b"ghp_/"
    assert dec.percent_decode(b"a%20b+c", plus=True) == b"a b c"


def test_form_and_multipart_parsing() -> None:
    assert dec.parse_form(b"a=1&b=x%2By&&c") == [(b"a", b"1"), (b"b", b"x+y"), (b"c", b"")]
    body = b"--B\r\nContent-Type: text/plain\r\n\r\none\r\n--B\r\n\r\ntwo\r\n--B--\r\n"
    parts, over = dec.parse_multipart(body, b"B", 10)
    assert [p.content for p in parts] == [b"one", b"two"] and not over
    assert dec.parse_multipart(body, b"B", 1)[1]
    assert dec.multipart_boundary('multipart/form-data; boundary="a b"') == b"a b"


def test_json_strings_keep_keys_apart_from_values() -> None:
    found = dec.json_strings(b'{"k": ["v1", {"k2": "v2"}], "n": 1, "e": "a\\u0041\\n", "k\\u0033": ""}')
    assert found.values == [b"v1", b"v2", b"aA\n"]
    assert found.escaped == [b"aA\n", b"k3"]


def test_json_strings_of_text_that_is_not_json() -> None:
    assert dec.json_strings(b"not json").values == []
    assert dec.json_strings(b"[" * 100_000).values == []
    assert dec.json_strings(b'say "hi" twice "hi"').values == [b"hi", b"hi"]


def test_zip_members_without_central_directory() -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b"alpha")
        zf.writestr("b.txt", b"beta" * 100)
    truncated = buf.getvalue()[: buf.getvalue().find(b"PK\x01\x02")]
    scan = dec.zip_members(truncated, 0, 10_000, 10)
    assert scan.members == 2 and b"alpha" in scan.contents and scan.total == 405
    with pytest.raises(dec.LimitExceeded):
        dec.zip_members(truncated, 0, 100, 10)
