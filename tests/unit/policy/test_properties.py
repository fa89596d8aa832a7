"""Properties of canonicalization and the engine, checked on generated input (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from egressguard.decision import Reason, Verdict
from egressguard.policy.engine import Engine, RequestFacts
from egressguard.policy.hosts import HostError, canonical_host
from egressguard.policy.loader import load_policy
from egressguard.policy.paths import canonical_path, canonical_segments

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that make host and path spellings interesting, plus arbitrary text.
HOSTISH = st.lists(
    st.sampled_from([*"abcxyz019.-_:[]%*", "xn--", "0x", "ß", "。", "Ａ", "１", "ff", "::ffff:", "127.0.0.1"]),
    max_size=16,
).map("".join)
HOST_TEXT = st.one_of(HOSTISH, st.text(max_size=40))

PATH_ATOMS = ["/", "//", ".", "..", "%2e", "%2E", "%2f", "%5c", "%25", "%00", "%41", "%c3%a9", "%C0%AF",
              ";", "..;", "a", "b", "admin", "é", "#", "%23", "\\", "?", "*", "%", "%zz", "\udcff"]
PATH_TEXT = st.one_of(
    st.lists(st.sampled_from(PATH_ATOMS), max_size=12).map(lambda xs: "/" + "".join(xs)),
    st.text(max_size=40).map(lambda s: "/" + s),
    st.text(max_size=20),
)


@SETTINGS
@given(HOST_TEXT)
@example("example。com。")
@example("１２７.０.０.１")
@example("[::ffff:127.0.0.1]")
def test_canonical_host_is_idempotent(raw: str) -> None:
    try:
        host = canonical_host(raw)
    except HostError:
        return
    again = canonical_host(host.name)
    assert again == host


@SETTINGS
@given(PATH_TEXT)
@example("/a%23b")
@example("/a/%2e%2e/b")
def test_canonical_path_is_idempotent(raw: str) -> None:
    canon = canonical_path(raw)
    if canon is None:
        return
    assert canonical_path(canon) == canon
    assert canonical_segments(canon) == canonical_segments(raw)


# A variant of a path under /admin: each "/" may be doubled, letters percent-encoded,
# and harmless detours ("./", "x/../") inserted; the result must stay under /admin (or be
# refused as ambiguous), never escape it.
SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_~", min_size=1, max_size=8)


@st.composite
def admin_variant(draw: st.DrawFn) -> str:
    segments = ["admin", *draw(st.lists(SEGMENT, max_size=4))]
    out = []
    for seg in segments:
        out.append(draw(st.sampled_from(["/", "//", "///"])))
        spelled = "".join(
            draw(st.sampled_from([c, f"%{ord(c):02x}", f"%{ord(c):02X}"])) for c in seg
        )
        detour = draw(st.sampled_from(["", "./", "%2e/", "%2E/", "x/../", "x/%2e%2e/", "x/.%2e/", "x/%2E./",
                                       "../", "%2e%2e/", "x//../"]))
        if out and seg == "admin":
            out.append(detour)
        out.append(spelled)
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(["/", "//", "/.", "/%2e"])))
    return "".join(out)


@SETTINGS
@given(admin_variant())
@example("//admin/")
@example("/x/../admin")
@example("/%2e%2e/admin/x")
@example("/%61dmin//x//")
def test_no_variant_of_an_admin_path_escapes_admin(raw: str) -> None:
    segs = canonical_segments(raw)
    assert segs is None or segs[:1] == ("admin",), (raw, segs)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = Path(tmp_path_factory.mktemp("props")) / "policy.yaml"
    path.write_text(
        "version: 1\n"
        "rules:\n"
        "  - {id: no-admin, hosts: [api.example.com], paths: ['/admin/**'], action: deny}\n"
        "  - {id: api, hosts: [api.example.com], methods: [GET, POST], paths: ['/**']}\n"
        "  - {id: wild, hosts: ['*.example.org'], methods: [GET]}\n"
        "  - {id: ip, hosts: ['127.1', '[::1]'], ports: [8080]}\n",
        encoding="utf-8",
    )
    return Engine(load_policy(path))


@SETTINGS
@given(
    host=HOST_TEXT,
    port=st.integers(min_value=-1, max_value=70000),
    method=st.one_of(st.sampled_from(["GET", "POST", "get", "CONNECT", ""]), st.text(max_size=10)),
    path=PATH_TEXT,
    scheme=st.sampled_from([None, "http", "https", "ws", "wss", "ftp", ""]),
    extra=st.lists(st.text(max_size=8), max_size=3).map(tuple),
)
def test_engine_never_raises(engine: Engine, host: str, port: int, method: str, path: str,
                             scheme: str | None, extra: tuple[str, ...]) -> None:
    ev = engine.evaluate(RequestFacts(host=host, port=port, method=method, path=path, scheme=scheme,
                                      extra_methods=extra))
    assert ev.decision.verdict in (Verdict.ALLOW, Verdict.DENY, Verdict.HOLD)
    if ev.decision.verdict is Verdict.DENY:
        assert ev.decision.reason is not None


@SETTINGS
@given(admin_variant())
def test_engine_denies_every_admin_variant(engine: Engine, raw: str) -> None:
    d = engine.evaluate(RequestFacts("api.example.com", 443, "GET", raw, "https")).decision
    assert d.verdict is Verdict.DENY
    assert d.reason in (Reason.DENIED_BY_RULE, Reason.PATH_NOT_ALLOWED)
