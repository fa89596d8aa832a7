"""Properties: a managed value is found however a client wraps it."""

from __future__ import annotations

import base64
import gzip
from urllib.parse import quote_from_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from egressguard.scanning import ExactSecret, Scanner

SCANNER = Scanner(
    scanners=frozenset({"secrets"}),
    exact=[ExactSecret("svc", b"Mg7-x9Qv!kP2zR8w", "value")],
    fingerprint_key=b"prop",
)
VALUE = b"Mg7-x9Qv!kP2zR8w"
WRAPS = {
    "raw": lambda b: b,
    "base64": base64.b64encode,
    "base64url": base64.urlsafe_b64encode,
    "percent": lambda b: quote_from_bytes(b, safe=b"").encode(),
    "hex": lambda b: b.hex().encode(),
    "gzip+base64": lambda b: base64.b64encode(gzip.compress(b)),
}
filler = st.binary(max_size=64).map(lambda b: b.replace(b"\x1f\x8b", b""))


@settings(max_examples=150, deadline=None)
@given(
    before=filler,
    after=filler,
    inner_before=st.binary(min_size=12, max_size=24),  # nested blobs under 32 chars are not decoded
    wraps=st.lists(st.sampled_from(sorted(WRAPS)), min_size=1, max_size=2),
)
def test_wrapped_managed_value_is_always_found(
    before: bytes, after: bytes, inner_before: bytes, wraps: list[str]
) -> None:
    payload = inner_before + VALUE
    for name in wraps:
        payload = WRAPS[name](payload)
    body = before + b" " + payload + b" " + after
    result = SCANNER.scan_request(url="https://h.io/", headers=[], body=body)
    assert "svc" in result.matched_secrets, (wraps, body)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_findings_never_contain_the_value(text: str) -> None:
    result = SCANNER.scan_request(url="https://h.io/", headers=[], body=text.encode() + VALUE)
    for f in result.findings:
        assert VALUE.decode() not in f.location + f.fingerprint + f.detector
