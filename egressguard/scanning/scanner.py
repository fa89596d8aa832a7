"""The request scanner: every byte a client sends, through every decoding, against every detector.

One pass of Hyperscan per buffer finds candidate offsets for all detectors, managed secrets (and
their base64/hex/percent encodings), e-mail addresses, escapes and embedded archives; a second
pass, `bytes.translate` + `bytes.find`, finds base64/hex candidate runs. Python only looks at the
few places those passes point to. Decoded views (JSON strings, form fields, multipart parts, decompressed or
base64/hex-decoded bytes) become child buffers scanned the same way, up to `ScanLimits`.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import hyperscan

from egressguard.decision import Finding, Reason
from egressguard.scanning import decoding as dec
from egressguard.scanning.base import Detector, Match
from egressguard.scanning.bulk import EMAIL_PREFILTER, EMAIL_REACH, BulkCounter, find_emails
from egressguard.scanning.detectors import DEFAULT_DETECTORS
from egressguard.scanning.detectors.payment_card import PaymentCard, normalize
from egressguard.scanning.filters.heuristic import is_placeholder, printable_ratio
from egressguard.scanning.fingerprint import fingerprint
from egressguard.scanning.prefilter import Variant, b64_variants, compile_database, literal
from egressguard.scanning.types import (
    DEFAULT_BULK,
    DEFAULT_LIMITS,
    BulkThresholds,
    ExactSecret,
    ScanLimits,
    ScanResult,
)

SCANNERS: Final = frozenset({"secrets", "bulk"})

# Stable detector names for findings the scanner itself makes (not token families).
MANAGED_SECRET: Final = "managed_secret"  # noqa: S105 - a detector name
MANAGED_PLACEHOLDER: Final = "managed_placeholder"
BASIC_AUTH_PASSWORD: Final = "basic_auth_password"  # noqa: S105 - a detector name
BULK_EMAILS: Final = "bulk_emails"
BULK_CARDS: Final = "bulk_cards"
BULK_ARCHIVE: Final = "bulk_archive"
UNDECODABLE: Final = "undecodable_body"
BULK_DETECTORS: Final = frozenset({BULK_EMAILS, BULK_CARDS, BULK_ARCHIVE, UNDECODABLE})

# Bounded work: more prefilter hits than this in one buffer is not traffic but
# an attack on the scanner, and is treated as unscannable.
MAX_HITS_BASE: Final = 20_000
MAX_HITS_PER_BYTES: Final = 64
RUN_MIN: Final = 32  # shortest base64/hex run decoded (24 bytes of payload)
_RUN_CLASS = rb"A-Za-z0-9+/_-"
_RUN_END = re.compile(rb"[^" + _RUN_CLASS + rb"]")
_RUN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
_RUN_SHAPE = bytes(0x41 if b in _RUN_BYTES else 0x20 for b in range(256))  # run byte -> "A", else " "
_RUN_NEEDLE = b"A" * RUN_MIN
_RUN_JOIN = re.compile(rb"(?:\r?\n|\\r?\\n)")
_WINDOW = 2048  # bytes decoded around each percent/escape hit
_EXACT_ENCODED_MIN = 6  # shorter managed values are matched raw only
_HEADER_NAME = re.compile(r"[a-z0-9-]{1,64}")
_BASIC = re.compile(rb"(?i)^\s*basic\s+([A-Za-z0-9+/=_-]{4,4096})\s*$")
_JSON_TYPES = ("application/json", "+json", "text/json", "application/x-ndjson", "application/jsonl")


_DET, _EXACT, _PCT, _ESC, _MAGIC, _EMAIL = range(6)
_MAGICS: Final = (dec.GZIP_MAGIC, dec.ZSTD_MAGIC, dec.ZIP_LOCAL)


@dataclass(slots=True)
class _Request:
    """Mutable state of one scan: budget, findings, counters."""

    exempt: frozenset[str]
    budget: int
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    matched: set[str] = field(default_factory=set)
    undecodable: bool = False
    bulk: BulkCounter | None = None

    def take(self, n: int) -> bool:
        """Reserve n decoded bytes; False (and undecodable) when over budget."""
        if n > self.budget:
            self.undecodable = True
            return False
        self.budget -= n
        return True


def _child(location: str, step: str) -> str:
    return f"{location}>{step}" if ":" in location else f"{location}:{step}"


def _root(location: str) -> str:
    return (
        location.partition(">")[0].partition(":")[0]
        if location.startswith("body")
        else location.partition(">")[0]
    )


class Scanner:
    """Finds secrets and bulk data in a request. Pure: no clock, no network, no mitmproxy."""

    def __init__(
        self,
        *,
        scanners: frozenset[str],
        exact: Sequence[ExactSecret] = (),
        fingerprint_key: bytes,
        limits: ScanLimits = DEFAULT_LIMITS,
        bulk: BulkThresholds = DEFAULT_BULK,
        unscannable_denies: bool = True,
        detectors: Sequence[Detector] = DEFAULT_DETECTORS,
    ) -> None:
        unknown = scanners - SCANNERS
        if unknown:
            raise ValueError(f"unknown scanners {sorted(unknown)}; known: {sorted(SCANNERS)}")
        if not fingerprint_key:
            raise ValueError("fingerprint_key must not be empty")
        self._scanners = scanners
        self._secrets_on = "secrets" in scanners
        self._bulk_on = "bulk" in scanners
        self._exact = tuple(exact)
        self._key = fingerprint_key
        self._limits = limits
        self._bulk = bulk
        self._unscannable_denies = unscannable_denies
        self._detectors = tuple(detectors)
        self._card_index = next((i for i, d in enumerate(self._detectors) if isinstance(d, PaymentCard)), -1)
        self._build()

    def __repr__(self) -> str:
        return (
            f"Scanner(scanners={sorted(self._scanners)}, detectors={len(self._detectors)}, "
            f"exact={[s.name for s in self._exact]}, limits={self._limits!r})"
        )

    # -- construction ------------------------------------------------------------------------------------

    def _build(self) -> None:
        exprs: list[bytes] = []
        flags: list[int] = []
        tags: list[tuple[int, int]] = []

        def add(expr: bytes, kind: int, index: int, flag: int = 0) -> None:
            exprs.append(expr)
            flags.append(flag)
            tags.append((kind, index))

        for i, det in enumerate(self._detectors):
            for expr in det.prefilter:
                add(expr, _DET, i)
        self._variants: list[Variant] = []
        for i, secret in enumerate(self._exact):
            if not secret.value:
                continue
            forms: list[tuple[str | None, bytes]] = [(None, secret.value)]
            if len(secret.value) >= _EXACT_ENCODED_MIN:
                forms += [("base64", v) for v in b64_variants(secret.value)]
                forms += [("hex", secret.value.hex().encode()), ("hex", secret.value.hex().upper().encode())]
                forms += [("percent", b"".join(b"%%%02X" % b for b in secret.value))]
                forms += [("percent", b"".join(b"%%%02x" % b for b in secret.value))]
            for step, form in dict.fromkeys(forms):
                add(literal(form), _EXACT, len(self._variants))
                self._variants.append(Variant(i, step, len(form)))
        add(rb"%[0-9A-Fa-f]{2}", _PCT, 0)
        add(rb"\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2})", _ESC, 0)
        for i, magic in enumerate(_MAGICS):
            add(literal(magic), _MAGIC, i)
        add(EMAIL_PREFILTER, _EMAIL, 0)
        self._tags = tags
        self._db = compile_database(exprs, flags)
        # Hyperscan scratch space may be used by one thread at a time: one per thread
        # (the proxy scans large bodies off its event loop).
        self._local = threading.local()

    def _scratch(self) -> hyperscan.Scratch:
        scratch: hyperscan.Scratch | None = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        return scratch

    # -- public API --------------------------------------------------------------------------------------

    def scan_request(
        self,
        *,
        url: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        content_encoding: str | None = None,
        content_type: str | None = None,
        exempt: frozenset[str] = frozenset(),
    ) -> ScanResult:
        req = self._new_request(exempt)
        base, _, query = url.partition("?")
        self._scan_text(req, base.encode("utf-8", "surrogateescape"), "url", 0)
        if query:
            self._scan_form(req, query.encode("utf-8", "surrogateescape"), "query", 0)
        for name, value in headers:
            self._scan_header(req, name, value)
        if body:
            self._scan_body(req, body, content_encoding, content_type)
        return self._result(req)

    def scan_message(
        self, data: bytes, *, location: str = "websocket", exempt: frozenset[str] = frozenset()
    ) -> ScanResult:
        req = self._new_request(exempt)
        self._scan_text(req, data, location, 0)
        return self._result(req)

    # -- request parts -----------------------------------------------------------------------------------

    def _new_request(self, exempt: frozenset[str]) -> _Request:
        counter = BulkCounter(self._bulk.emails, self._bulk.cards)
        return _Request(exempt=exempt, budget=self._limits.max_decoded_bytes, bulk=counter)

    def _scan_header(self, req: _Request, name: str, value: str) -> None:
        lname = name.strip().lower()
        raw_name = name.encode("utf-8", "surrogateescape")
        before = len(req.findings)
        self._scan_text(req, raw_name, "header-name", 0)
        location = (
            f"header:{lname}" if _HEADER_NAME.fullmatch(lname) and len(req.findings) == before else "header:?"
        )
        data = value.encode("utf-8", "surrogateescape")
        m = _BASIC.match(data)
        if m is not None and lname in ("authorization", "proxy-authorization"):
            decoded = dec.decode_run(m.group(1).rstrip(b"="))
            if decoded is not None and decoded[0] == "base64" and req.take(len(decoded[1])):
                creds = decoded[1]
                child = _child(location, "basic")
                self._scan_text(req, creds, child, 1)
                _, sep, password = creds.partition(b":")
                if (
                    sep
                    and self._secrets_on
                    and not is_placeholder(password)
                    and not self._is_exempt(req, password)
                    and not self._is_managed(password)
                ):
                    self._add(req, BASIC_AUTH_PASSWORD, child, password)
        self._scan_text(req, data, location, 0)

    def _scan_body(self, req: _Request, body: bytes, encoding: str | None, content_type: str | None) -> None:
        location = "body"
        data = body
        depth = 0
        for coding in dec.content_encodings(encoding):
            depth += 1
            location = _child(location, coding)
            if depth > self._limits.max_depth:
                self._undecodable(req, location)
                return
            try:
                data = dec.decode_content(data, coding, req.budget)
            except dec.Undecodable:
                self._undecodable(req, location)
                self._report(
                    req, body, "body", self._hits(req, body, "body"), split=None
                )  # what can be seen as is
                return
            req.take(len(data))
        ctype = (content_type or "").lower()
        if ctype.startswith("multipart/"):
            boundary = dec.multipart_boundary(content_type or "")
            if boundary is not None:
                self._scan_multipart(req, data, boundary, location, depth)
                return
        if ctype.startswith("application/x-www-form-urlencoded"):
            self._scan_form(req, data, location, depth)
            return
        self._scan_text(req, data, location, depth, json_hint=any(t in ctype for t in _JSON_TYPES))

    def _scan_form(self, req: _Request, data: bytes, location: str, depth: int) -> None:
        self._scan_text(req, data, location, depth)
        pairs = dec.parse_form(data)
        if len(pairs) > self._limits.max_parts:
            self._undecodable(req, location)
            pairs = pairs[: self._limits.max_parts]
        if depth >= self._limits.max_depth:
            return
        decoded = b"\n".join(k + b"=" + v for k, v in pairs)
        if decoded != data and req.take(len(decoded)):
            self._scan_text(req, decoded, _child(location, "form"), depth + 1)
        self._scan_split(req, [v for _, v in pairs] if len(pairs) > 1 else [], _child(location, "form"))

    def _scan_multipart(self, req: _Request, data: bytes, boundary: bytes, location: str, depth: int) -> None:
        parts, over = dec.parse_multipart(data, boundary, self._limits.max_parts)
        if over:
            self._undecodable(req, _child(location, "multipart"))
        if depth >= self._limits.max_depth:
            self._undecodable(req, _child(location, "multipart"))
            self._scan_text(req, data, location, depth)
            return
        values: list[bytes] = []
        for i, part in enumerate(parts):
            where = _child(location, f"multipart[{i}]")
            content = dec.decode_transfer(part)
            if content is not part.content and not req.take(len(content)):
                return
            self._scan_text(req, part.content, where, depth + 1)
            if content is not part.content:
                self._scan_text(req, content, _child(where, "base64"), depth + 1)
            ptype = part.headers.get("content-type", "").lower()
            self._scan_text(
                req, content, where, depth + 1, json_hint=any(t in ptype for t in _JSON_TYPES), raw=False
            )
            if len(content) <= 4096:
                values.append(content)
        self._scan_split(req, values, _child(location, "multipart"))

    # -- the core loop -----------------------------------------------------------------------------------

    def _scan_text(
        self,
        req: _Request,
        data: bytes,
        location: str,
        depth: int,
        *,
        json_hint: bool = False,
        raw: bool = True,
    ) -> None:
        """Scan one buffer and recurse into what it decodes to."""
        if not data:
            return
        if raw:
            hits = self._hits(req, data, location)
            self._report(req, data, location, hits, split=None)
        else:
            hits = []
        stripped = data[:64].lstrip()
        if json_hint or stripped[:1] in (b"{", b"["):
            self._scan_json(req, data, location, depth)
        if not raw:
            return
        self._scan_archives(req, data, location, hits)
        self._scan_nested(req, data, location, depth, hits)

    def _hits(self, req: _Request, data: bytes, location: str) -> list[tuple[int, int]]:
        """Prefilter hits as (pattern id, end offset); a body dense with hits is unscannable."""
        hits: list[tuple[int, int]] = []
        append = hits.append
        cap = MAX_HITS_BASE + len(data) // MAX_HITS_PER_BYTES

        def on_match(idx: int, start: int, end: int, flags: int, ctx: object) -> bool:
            append((idx, end))
            return len(hits) > cap

        try:
            self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        except hyperscan.ScanTerminated:
            self._undecodable(req, _child(location, "dense"))
        return hits

    def _runs(self, req: _Request, data: bytes, location: str) -> list[tuple[int, int]]:
        """Maximal runs of base64/hex characters at least RUN_MIN long.

        Every byte is mapped to "A" (run class) or " " (anything else) by `bytes.translate`,
        then `bytes.find` jumps from one run of RUN_MIN "A"s to the next: both are C loops,
        linear in the data, with no per-run scan restarts.
        """
        runs: list[tuple[int, int]] = []
        shape = data.translate(_RUN_SHAPE)
        pos = 0
        while True:
            start = shape.find(_RUN_NEEDLE, pos)
            if start < 0:
                return runs
            end = shape.find(b" ", start + RUN_MIN)
            end = len(data) if end < 0 else end
            runs.append((start, end))
            pos = end

    def _report(
        self,
        req: _Request,
        data: bytes,
        location: str,
        hits: list[tuple[int, int]],
        split: list[int] | None,
    ) -> None:
        """Turn prefilter hits into findings; with `split` (field cuts), only matches across a cut."""
        by_detector: dict[int, list[int]] = {}
        emails: list[int] = []
        tags = self._tags
        for idx, end in hits:
            kind, index = tags[idx]
            if kind == _DET:
                by_detector.setdefault(index, []).append(end)
            elif kind == _EXACT:
                variant = self._variants[index]
                start = end - variant.length
                if split is None or _crosses(split, start, end):
                    self._exact_hit(req, variant, location)
            elif kind == _EMAIL and split is None:
                emails.append(end)
        for index, ends in by_detector.items():
            det = self._detectors[index]
            is_card = index == self._card_index
            if not (self._secrets_on or (is_card and self._bulk_on)):
                continue
            if split is not None and not det.split_safe:
                continue
            before, after = det.reach
            seen: set[Match] = set()
            for lo, hi in _windows(ends, before, after, len(data)):
                for match in det.find(data, lo, hi):
                    if match in seen or (split is not None and not _crosses(split, match.start, match.end)):
                        continue
                    seen.add(match)
                    value = data[match.start : match.end]
                    if self._is_exempt(req, value):
                        continue
                    if (
                        is_card
                        and self._bulk_on
                        and req.bulk is not None
                        and req.bulk.add_card(normalize(value))
                    ):
                        self._add(req, BULK_CARDS, location, req.bulk.cards_digest())
                    if self._secrets_on:
                        self._add(req, det.name, location, value)
        if emails and self._bulk_on and req.bulk is not None and not req.bulk.emails_over:
            for lo, hi in _windows(sorted(emails), *EMAIL_REACH, len(data)):
                for addr in find_emails(data, lo, hi):
                    if req.bulk.add_email(addr):
                        self._add(req, BULK_EMAILS, location, req.bulk.emails_digest())

    def _exact_hit(self, req: _Request, variant: Variant, location: str) -> None:
        secret = self._exact[variant.secret]
        req.matched.add(secret.name)
        if secret.name in req.exempt or not self._secrets_on:
            return
        where = location if variant.step is None else _child(location, variant.step)
        detector = MANAGED_SECRET if secret.kind == "value" else MANAGED_PLACEHOLDER
        self._add(req, detector, where, secret.value)

    def _scan_split(self, req: _Request, values: list[bytes], location: str) -> None:
        """A secret cut across adjacent fields: look at the fields joined, keep only matches across a cut."""
        if len(values) < 2:
            return
        joined = b"".join(values)
        if not req.take(len(joined)):
            return
        hits = self._hits(req, joined, location)
        if hits:  # the cuts are only needed to judge a hit
            cuts = list(itertools.accumulate(map(len, values[:-1])))
            self._report(req, joined, _child(location, "joined"), hits, split=cuts)

    def _scan_json(self, req: _Request, data: bytes, location: str, depth: int) -> None:
        found = dec.json_strings(data)
        where = _child(location, "json")
        if depth >= self._limits.max_depth:
            if found.escaped:
                self._undecodable(req, where)
            return
        if found.escaped:  # escapes: the decoded strings differ from the raw text
            joined = b"\n".join(found.escaped)
            if req.take(len(joined)):
                self._scan_text(req, joined, where, depth + 1)
        self._scan_split(req, found.values, where)

    def _scan_archives(self, req: _Request, data: bytes, location: str, hits: list[tuple[int, int]]) -> None:
        if (
            self._bulk_on
            and (dec.is_tar(data) or dec.is_git_pack(data))
            and len(data) > self._bulk.archive_bytes
        ):
            self._add(req, BULK_ARCHIVE, location, data[:512])

    def _scan_nested(
        self, req: _Request, data: bytes, location: str, depth: int, hits: list[tuple[int, int]]
    ) -> None:
        pct: list[int] = []
        esc: list[int] = []
        magic: list[tuple[int, int]] = []
        for idx, end in hits:
            kind, index = self._tags[idx]
            if kind == _PCT:
                pct.append(end)
            elif kind == _ESC:
                esc.append(end)
            elif kind == _MAGIC:
                magic.append((index, end - len(_MAGICS[index])))
        runs = self._runs(req, data, location)
        at_limit = depth >= self._limits.max_depth
        if at_limit:
            if magic or pct or esc or any(_interesting(data[s:e]) for s, e in runs):
                self._undecodable(req, _child(location, "nested"))
            return
        for step, offsets, decode in (("percent", pct, dec.percent_decode), ("unescape", esc, dec.unescape)):
            if offsets:
                pieces = [decode(data[lo:hi]) for lo, hi in _windows(offsets, _WINDOW, _WINDOW, len(data))]
                self._child_buffer(req, pieces, location, step, depth)
        for index, offset in magic:
            self._embedded(req, data, offset, index, location, depth)
        if runs:
            self._decode_runs(req, data, runs, location, depth)

    def _decode_runs(
        self, req: _Request, data: bytes, runs: list[tuple[int, int]], location: str, depth: int
    ) -> None:
        blobs: dict[str, list[bytes]] = {"base64": [], "hex": []}
        groups: list[list[bytes]] = []
        prev_end = -1
        for s, e in runs:
            run = data[s:e]
            if groups and _RUN_JOIN.fullmatch(data, prev_end, s) and len(groups[-1][-1]) % 4 == 0:
                groups[-1].append(run)  # a line-wrapped blob (MIME, PEM, `base64` output)
            else:
                groups.append([run])
            prev_end = e
        merged = [b"".join(g) for g in groups]
        for run in merged:
            decoded = dec.decode_run(run)
            if decoded is not None:
                blobs[decoded[0]].append(decoded[1])
        for step, pieces in blobs.items():
            self._child_buffer(req, pieces, location, step, depth)

    def _child_buffer(self, req: _Request, pieces: list[bytes], location: str, step: str, depth: int) -> None:
        if not pieces:
            return
        joined = b"\n".join(pieces)
        if req.take(len(joined)):
            self._scan_text(req, joined, _child(location, step), depth + 1)

    def _embedded(
        self, req: _Request, data: bytes, offset: int, kind: int, location: str, depth: int
    ) -> None:
        limit = req.budget
        try:
            if kind == 0:
                out = dec.gzip_member_at(data, offset, limit)
                step = "gzip"
                archive = out is not None and len(out) > self._bulk.archive_bytes
            elif kind == 1:
                out = dec.zstd_frame_at(data, offset, limit)
                step = "zstd"
                archive = out is not None and len(out) > self._bulk.archive_bytes
            else:
                z = dec.zip_members(data, offset, limit, self._limits.max_parts)
                out, step = z.contents, "zip"
                archive = z.total > self._bulk.archive_bytes
        except dec.LimitExceeded:
            self._undecodable(req, _child(location, "embedded"))
            return
        if out is None:
            return
        if archive and self._bulk_on:
            self._add(req, BULK_ARCHIVE, _child(location, step), out[:4096])
        if req.take(len(out)):
            self._scan_text(req, out, _child(location, step), depth + 1)

    # -- results -----------------------------------------------------------------------------------------

    def _is_exempt(self, req: _Request, value: bytes) -> bool:
        if not req.exempt:
            return False
        for secret in self._exact:
            if (
                secret.name in req.exempt
                and secret.value
                and (secret.value in value or value in secret.value)
            ):
                return True
        return False

    def _is_managed(self, value: bytes) -> bool:
        return any(s.value and s.value == value for s in self._exact)

    def _add(self, req: _Request, detector: str, location: str, value: bytes) -> None:
        fp = fingerprint(self._key, value)
        key = (detector, fp, _root(location))
        if key not in req.findings:
            req.findings[key] = Finding(detector, location, fp)

    def _undecodable(self, req: _Request, location: str) -> None:
        req.undecodable = True
        self._add(req, UNDECODABLE, location, b"undecodable:" + location.encode())

    def _result(self, req: _Request) -> ScanResult:
        findings = tuple(req.findings.values())
        if not self._unscannable_denies:
            findings = tuple(f for f in findings if f.detector != UNDECODABLE)
        reason: Reason | None = None
        # Card numbers that reach the bulk threshold are reported as the bulk they are.
        bulk_cards = any(f.detector == "bulk_cards" for f in findings)
        if any(
            f.detector not in BULK_DETECTORS and not (bulk_cards and f.detector == "payment_card")
            for f in findings
        ):
            reason = Reason.SECRET_DETECTED
        elif findings:
            reason = Reason.BULK_DATA_DETECTED
        return ScanResult(findings, reason, req.undecodable, frozenset(req.matched))


def _crosses(cuts: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_right(cuts, start)
    return i < len(cuts) and cuts[i] < end


def _windows(ends: list[int], before: int, after: int, size: int) -> Iterable[tuple[int, int]]:
    """Merged windows reaching `before` bytes back and `after` bytes on from each offset."""
    lo = hi = -1
    for end in sorted(ends):
        s, e = max(0, end - before), min(size, end + after)
        if s <= hi:
            hi = max(hi, e)
            continue
        if hi > lo:
            yield lo, hi
        lo, hi = s, e
    if hi > lo:
        yield lo, hi


def _interesting(run: bytes) -> bool:
    """At the depth limit: would this run decode to something worth scanning (text or an archive)?"""
    decoded = dec.decode_run(run)
    if decoded is None:
        return False
    out = decoded[1]
    return out.startswith(_MAGICS) or (len(out) >= 16 and printable_ratio(out) > 0.9)


__all__ = [
    "BulkThresholds",
    "ExactSecret",
    "ScanLimits",
    "ScanResult",
    "Scanner",
]
