"""The scanner end to end: locations, encodings, splits, exemptions, limits, results."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from urllib.parse import quote

import pytest

from egressguard.decision import Reason
from egressguard.scanning import BulkThresholds, ExactSecret, ScanLimits, Scanner
from egressguard.scanning.detectors.github import base62_checksum

KEY = b"test-fingerprint-key"
VALUE = b"s3cr3t-Managed-Value-0042"
PLACEHOLDER = b"EG_SECRET_GITHUB"
EXACT = (ExactSecret("github", VALUE, "value"), ExactSecret("github", PLACEHOLDER, "placeholder"))
_BODY = "3vQ9xZ7pL2mK8nR4tY6wB1cD5fG0hJ"
GH_TOKEN = ("ghp_" + _BODY + base62_checksum(_BODY.encode()).decode()).encode()


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(scanners=frozenset({"secrets", "bulk"}), exact=EXACT, fingerprint_key=KEY)


def scan_body(scanner: Scanner, body: bytes, **kw: object) -> list[tuple[str, str]]:
    result = scanner.scan_request(url="https://api.example.net/v1", headers=[], body=body, **kw)  # type: ignore[arg-type]
    return [(f.detector, f.location) for f in result.findings]


@pytest.mark.parametrize(
    ("body", "kwargs", "expected"),
    [
        pytest.param(b"token " + GH_TOKEN, {}, ("github_token", "body"), id="plain token in a text body"),
        pytest.param(
            json.dumps({"t": "\\u0067" + GH_TOKEN[1:].decode()}).encode().replace(b"\\\\u0067", b"\\u0067"),
            {"content_type": "application/json"},
            ("github_token", "body:json"),
            id="json escape hides the first letter",
        ),
        pytest.param(
            gzip.compress(GH_TOKEN),
            {"content_encoding": "gzip"},
            ("github_token", "body:gzip"),
            id="gzip body",
        ),
        pytest.param(
            zlib.compress(GH_TOKEN),
            {"content_encoding": "deflate"},
            ("github_token", "body:deflate"),
            id="deflate body",
        ),
        pytest.param(
            gzip.compress(zlib.compress(GH_TOKEN)),
            {"content_encoding": "deflate, gzip"},
            ("github_token", "body:gzip>deflate"),
            id="stacked codings come off last-first",
        ),
        pytest.param(
            b"q=" + quote(GH_TOKEN.decode(), safe="").replace("_", "%5F").encode(),
            {},
            ("github_token", "body:percent"),
            id="percent-encoded",
        ),
        pytest.param(
            b'{"blob": "' + base64.b64encode(GH_TOKEN) + b'"}',
            {},
            ("github_token", "body:base64"),
            id="base64 in json",
        ),
        pytest.param(b"x=" + GH_TOKEN.hex().encode(), {}, ("github_token", "body:hex"), id="hex blob"),
        pytest.param(
            b'{"f": "' + base64.b64encode(gzip.compress(b"leak " + GH_TOKEN)) + b'"}',
            {},
            ("github_token", "body:base64>gzip"),
            id="gzip inside base64 inside json",
        ),
        pytest.param(
            b'{"a": "' + GH_TOKEN[:20] + b'", "b": "' + GH_TOKEN[20:] + b'"}',
            {"content_type": "application/json"},
            ("github_token", "body:json>joined"),
            id="token split across two json values",
        ),
        pytest.param(
            b"a=" + GH_TOKEN[:15] + b"&b=" + GH_TOKEN[15:],
            {"content_type": "application/x-www-form-urlencoded"},
            ("github_token", "body:form>joined"),
            id="token split across form fields",
        ),
    ],
)
def test_a_token_is_found_through_each_encoding(
    scanner: Scanner, body: bytes, kwargs: dict[str, object], expected: tuple[str, str]
) -> None:
    assert expected in scan_body(scanner, body, **kwargs)


def test_multipart_parts_are_scanned_with_their_index(scanner: Scanner) -> None:
    body = (
        b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nhello\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=f; filename=x.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"key " + GH_TOKEN)
        + b"\r\n--XyZ--\r\n"
    )
    found = scan_body(scanner, body, content_type="multipart/form-data; boundary=XyZ")
    assert ("github_token", "body:multipart[1]>base64") in found


@pytest.mark.parametrize(
    ("where", "request_kwargs", "location"),
    [
        pytest.param("url path", {"url": "https://h.io/" + GH_TOKEN.decode()}, "url", id="token in the path"),
        pytest.param(
            "query", {"url": "https://h.io/?t=" + GH_TOKEN.decode()}, "query", id="token in the query"
        ),
        pytest.param(
            "header", {"headers": [("X-Note", GH_TOKEN.decode())]}, "header:x-note", id="token in a header"
        ),
        pytest.param(
            "cookie",
            {"headers": [("Cookie", "s=" + GH_TOKEN.decode())]},
            "header:cookie",
            id="token in a cookie",
        ),
        pytest.param(
            "basic",
            {"headers": [("Authorization", "Basic " + base64.b64encode(b"u:" + GH_TOKEN).decode())]},
            "header:authorization>basic",
            id="token as a basic-auth password",
        ),
    ],
)
def test_url_query_and_headers_are_scanned(
    scanner: Scanner, where: str, request_kwargs: dict[str, object], location: str
) -> None:
    kwargs: dict[str, object] = {"url": "https://h.io/", "headers": [], "body": b""} | request_kwargs
    result = scanner.scan_request(**kwargs)  # type: ignore[arg-type]
    assert ("github_token", location) in [(f.detector, f.location) for f in result.findings]
    assert result.reason is Reason.SECRET_DETECTED


def test_a_header_name_never_becomes_part_of_a_location(scanner: Scanner) -> None:
    result = scanner.scan_request(url="https://h.io/", headers=[(GH_TOKEN.decode(), "1")], body=b"")
    assert all(GH_TOKEN.decode() not in f.location for f in result.findings)
    assert ("github_token", "header-name") in [(f.detector, f.location) for f in result.findings]


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda v: v, id="raw"),
        pytest.param(lambda v: base64.b64encode(b"pre" + v + b"post"), id="base64 at an odd alignment"),
        pytest.param(lambda v: base64.urlsafe_b64encode(b"x" + v), id="base64url"),
        pytest.param(lambda v: v.hex().encode(), id="hex"),
        pytest.param(lambda v: quote(v.decode(), safe="").encode(), id="percent"),
        pytest.param(lambda v: b"".join(b"%%%02x" % c for c in v), id="fully percent-encoded"),
        pytest.param(lambda v: base64.b64encode(gzip.compress(v)), id="gzip in base64"),
        pytest.param(
            lambda v: json.dumps({"a": v[:9].decode(), "b": v[9:].decode()}).encode(),
            id="split across json values",
        ),
    ],
)
def test_a_managed_value_is_found_however_wrapped(scanner: Scanner, wrap: object) -> None:
    wrapped: bytes = wrap(VALUE)  # type: ignore[operator]
    body = wrapped if wrapped.startswith(b"{") else b"data=" + wrapped
    result = scanner.scan_request(url="https://h.io/", headers=[], body=body)
    assert "managed_secret" in {f.detector for f in result.findings}
    assert result.matched_secrets == {"github"}


def test_a_placeholder_to_its_own_host_is_not_a_finding_but_is_reported_matched(scanner: Scanner) -> None:
    headers = [("Authorization", "Bearer " + PLACEHOLDER.decode())]
    allowed = scanner.scan_request(
        url="https://api.github.com/", headers=headers, body=b"", exempt=frozenset({"github"})
    )
    assert allowed.findings == () and allowed.reason is None
    assert allowed.matched_secrets == {"github"}
    elsewhere = scanner.scan_request(url="https://paste.example/", headers=headers, body=b"")
    assert [(f.detector, f.location) for f in elsewhere.findings] == [
        ("managed_placeholder", "header:authorization")
    ]
    assert elsewhere.reason is Reason.SECRET_DETECTED


def test_an_exempt_value_that_looks_like_a_token_is_not_a_finding() -> None:
    scanner = Scanner(
        scanners=frozenset({"secrets"}), exact=[ExactSecret("gh", GH_TOKEN, "value")], fingerprint_key=KEY
    )
    headers = [("Authorization", "token " + GH_TOKEN.decode())]
    assert (
        scanner.scan_request(
            url="https://api.github.com/", headers=headers, body=b"", exempt=frozenset({"gh"})
        ).findings
        == ()
    )
    assert {
        f.detector for f in scanner.scan_request(url="https://x.io/", headers=headers, body=b"").findings
    } == {
        "github_token",
        "managed_secret",
    }


def test_basic_auth_password_is_a_finding_unless_placeholder_like(scanner: Scanner) -> None:
    def scan(creds: bytes) -> set[str]:
        header = [("Authorization", "Basic " + base64.b64encode(creds).decode())]
        return {
            f.detector for f in scanner.scan_request(url="https://h.io/", headers=header, body=b"").findings
        }

    assert scan(b"deploy:Zq8#rT2!vLp0") == {"basic_auth_password"}
    assert scan(b"token:x-oauth-basic") == set()
    assert scan(b"user:" + PLACEHOLDER) == {"managed_placeholder"}


def test_fingerprint_is_keyed_and_never_contains_the_value(scanner: Scanner) -> None:
    result = scanner.scan_request(url="https://h.io/", headers=[], body=b"v=" + VALUE + b" t=" + GH_TOKEN)
    assert len(result.findings) == 2
    for f in result.findings:
        assert len(f.fingerprint) == 32
        assert VALUE.decode() not in f.fingerprint and GH_TOKEN.decode() not in f.fingerprint
        assert VALUE.decode() not in f.location and VALUE.decode() not in repr(result)
    other = Scanner(scanners=frozenset({"secrets"}), exact=EXACT, fingerprint_key=b"another key")
    fp = {
        f.fingerprint
        for f in other.scan_request(url="https://h.io/", headers=[], body=b"v=" + VALUE).findings
    }
    assert fp.isdisjoint({f.fingerprint for f in result.findings})


def test_nothing_prints_a_secret_value(scanner: Scanner) -> None:
    for text in (repr(EXACT[0]), str(EXACT[0]), repr(scanner), str(scanner)):
        assert VALUE.decode() not in text and PLACEHOLDER.decode() not in text
    result = scanner.scan_request(url="https://h.io/", headers=[], body=VALUE)
    assert VALUE.decode() not in repr(result) and VALUE.decode() not in str(result.findings[0].as_dict())


def test_a_gzip_bomb_stops_at_the_limit_and_denies(scanner: Scanner) -> None:
    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    bomb = b"".join(c.compress(chunk) for _ in range(1024)) + c.flush()  # 1 GiB of zeros
    result = scanner.scan_request(url="https://h.io/", headers=[], body=bomb, content_encoding="gzip")
    assert result.undecodable and result.reason is Reason.BULK_DATA_DETECTED
    assert [f.detector for f in result.findings] == ["undecodable_body"]


@pytest.mark.parametrize(
    ("body", "coding"),
    [
        pytest.param(b"not gzip at all", "gzip", id="corrupt gzip"),
        pytest.param(gzip.compress(b"x" * 1000)[:-12], "gzip", id="truncated gzip"),
        pytest.param(b"\x00\x01", "br", id="corrupt brotli"),
        pytest.param(b"abc", "zstd", id="corrupt zstd"),
        pytest.param(b"abc", "compress", id="unknown coding"),
    ],
)
def test_an_undecodable_declared_coding_denies_by_default(scanner: Scanner, body: bytes, coding: str) -> None:
    result = scanner.scan_request(url="https://h.io/", headers=[], body=body, content_encoding=coding)
    assert result.undecodable and result.reason is Reason.BULK_DATA_DETECTED


def test_unscannable_can_be_allowed_by_policy() -> None:
    lenient = Scanner(scanners=frozenset({"secrets", "bulk"}), fingerprint_key=KEY, unscannable_denies=False)
    result = lenient.scan_request(url="https://h.io/", headers=[], body=b"junk", content_encoding="gzip")
    assert result.undecodable and result.reason is None and result.findings == ()


def test_nesting_deeper_than_the_limit_is_undecodable() -> None:
    shallow = Scanner(scanners=frozenset({"secrets"}), fingerprint_key=KEY, limits=ScanLimits(max_depth=2))
    body = b"x"
    for _ in range(4):
        body = base64.b64encode(gzip.compress(b"layer " + body))
    result = shallow.scan_request(url="https://h.io/", headers=[], body=b"d=" + body)
    assert result.undecodable and result.reason is Reason.BULK_DATA_DETECTED


def test_a_decoded_size_over_the_budget_is_undecodable() -> None:
    small = Scanner(
        scanners=frozenset({"secrets"}), fingerprint_key=KEY, limits=ScanLimits(max_decoded_bytes=1000)
    )
    result = small.scan_request(
        url="https://h.io/", headers=[], body=gzip.compress(b"a" * 5000), content_encoding="gzip"
    )
    assert result.undecodable


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            b"\n".join(b"person%d@acme-corp.io" % i for i in range(50)),
            {"bulk_emails"},
            id="fifty distinct addresses",
        ),
        pytest.param(
            b"\n".join(b"person%d@acme-corp.io" % i for i in range(49)), set(), id="forty-nine addresses"
        ),
        pytest.param(b"\n".join(b"same@acme-corp.io" for _ in range(500)), set(), id="one address repeated"),
        pytest.param(
            b"\n".join(b"p%d@example.com" % i for i in range(80)),
            {"bulk_emails"},
            id="documentation domains count like any other",
        ),
    ],
)
def test_bulk_emails(scanner: Scanner, body: bytes, expected: set[str]) -> None:
    assert {d for d, _ in scan_body(scanner, body)} == expected


def _luhn_cards(n: int) -> list[bytes]:
    from egressguard.scanning.detectors.payment_card import luhn_ok

    out = []
    base = 4000_1234_5678_0000
    while len(out) < n:
        base += 1
        if luhn_ok(str(base).encode()):
            out.append(str(base).encode())
    return out


def test_bulk_cards_at_ten_distinct_numbers(scanner: Scanner) -> None:
    nine = {d for d, _ in scan_body(scanner, b"\n".join(b"card " + c for c in _luhn_cards(9)))}
    ten = {d for d, _ in scan_body(scanner, b"\n".join(b"card " + c for c in _luhn_cards(10)))}
    assert nine == {"payment_card"}
    assert ten == {"payment_card", "bulk_cards"}


def test_bulk_only_scanner_counts_cards_without_secret_findings() -> None:
    bulk_only = Scanner(scanners=frozenset({"bulk"}), fingerprint_key=KEY, bulk=BulkThresholds(cards=3))
    result = bulk_only.scan_request(
        url="https://h.io/", headers=[], body=b"\n".join(_luhn_cards(3)) + b" " + GH_TOKEN
    )
    assert [f.detector for f in result.findings] == [
        "bulk_cards"
    ] and result.reason is Reason.BULK_DATA_DETECTED


def _zip(size: int) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.bin", bytes(size))
        zf.writestr("notes.txt", b"token " + GH_TOKEN)
    return buf.getvalue()


def test_large_archive_is_bulk_and_small_one_is_scanned_not_bulk(scanner: Scanner) -> None:
    big = {d for d, _ in scan_body(scanner, _zip(2 * 1024 * 1024), content_type="application/zip")}
    small = scan_body(scanner, _zip(1000), content_type="application/zip")
    assert "bulk_archive" in big
    assert {d for d, _ in small} == {"github_token"} and ("github_token", "body:zip") in small


def test_tar_and_git_pack_over_the_threshold_are_bulk(scanner: Scanner) -> None:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("big")
        info.size = 2 * 1024 * 1024
        tf.addfile(info, io.BytesIO(bytes(info.size)))
    assert "bulk_archive" in {d for d, _ in scan_body(scanner, buf.getvalue())}
    assert "bulk_archive" in {
        d for d, _ in scan_body(scanner, gzip.compress(buf.getvalue()), content_encoding="gzip")
    }
    pack = b"PACK\x00\x00\x00\x02\x00\x00\x00\x01" + bytes(2 * 1024 * 1024)
    assert "bulk_archive" in {d for d, _ in scan_body(scanner, pack)}


def test_a_small_image_in_json_is_not_bulk_and_not_a_finding(scanner: Scanner) -> None:
    import random

    rng = random.Random(1)
    image = b"\x89PNG\r\n\x1a\n" + zlib.compress(rng.randbytes(20000))
    body = json.dumps({"image": base64.b64encode(image).decode(), "alt": "a chart"}).encode()
    assert scan_body(scanner, body, content_type="application/json") == []


def test_websocket_message(scanner: Scanner) -> None:
    result = scanner.scan_message(json.dumps({"op": "send", "v": GH_TOKEN.decode()}).encode())
    assert [(f.detector, f.location) for f in result.findings] == [("github_token", "websocket")]


def test_a_dense_hostile_body_is_bounded_and_unscannable(scanner: Scanner) -> None:
    body = b"ghp_AKIA %41 \\u0041 key= " * 200_000
    result = scanner.scan_request(url="https://h.io/", headers=[], body=body)
    assert result.undecodable


def test_unknown_scanner_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scanners"):
        Scanner(scanners=frozenset({"secrets", "virus"}), fingerprint_key=KEY)
