"""The wire schema: every bad policy in tests/data/policies/invalid/ is refused with its
message at its line; the valid ones load; every problem is reported, not just the first."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from egressguard.errors import PolicyError, Problem
from egressguard.policy.loader import load_policy
from egressguard.policy.model import Action, Mode, Policy, TlsMode

DATA = Path(__file__).parents[2] / "data" / "policies"
INVALID = sorted((DATA / "invalid").glob("*.yaml"))
VALID = sorted((DATA / "valid").glob("*.yaml"))


def expectations(path: Path) -> tuple[str, int | None]:
    """`# expect: MESSAGE` on line 1 and optionally `# line: N` on line 2."""
    head = path.read_bytes().split(b"\n")[:2]
    first = head[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{path.name}: line 1 must be '# expect: <message>'"
    line = None
    if len(head) > 1 and head[1].startswith(b"# line: "):
        line = int(head[1][len(b"# line: "):])
    return first[len("# expect: "):], line


def test_there_are_enough_invalid_fixtures() -> None:
    assert len(INVALID) >= 35


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_policy_is_refused_at_its_line(path: Path) -> None:
    expect, line = expectations(path)
    with pytest.raises(PolicyError, match=re.escape(expect)) as info:
        load_policy(path)
    hits = [p for p in info.value.problems if expect in p.message]
    assert hits, info.value.problems
    assert all(p.file == str(path) for p in info.value.problems)
    if line is not None:
        assert line in [p.line for p in hits], f"expected line {line}, got {[str(p) for p in hits]}"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_policy_problems_are_one_line_each(path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    for problem in info.value.problems:
        text = str(problem)
        assert "\n" not in text and "Traceback" not in text
        assert re.match(r"^.+:\d+: \S", text), text
        assert problem.line >= 1


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_policy_loads(path: Path) -> None:
    policy = load_policy(path)
    assert policy.files == (str(path),)


def test_full_policy_maps_every_key() -> None:
    policy = load_policy(DATA / "valid" / "full.yaml")
    assert policy.mode is Mode.AUDIT
    d = policy.defaults
    assert (d.private_networks, d.max_body, d.scan, d.approval_timeout) == (
        False, 10 * 2**20, frozenset({"secrets", "bulk"}), 300.0)
    assert (d.bulk.emails, d.bulk.cards, d.bulk.archive_bytes, d.scan_limit) == (50, 10, 2**20, 32 * 2**20)
    assert [r.id for r in policy.rules] == [
        "github-read", "github-issue-comment", "vendor-api", "no-gist", "pinned", "internal-api"]
    comment = policy.rule("github-issue-comment")
    assert comment is not None
    assert comment.methods == frozenset({"POST"}) and comment.approval and comment.approval_timeout == 600.0
    assert comment.scan == frozenset({"secrets"})
    read = policy.rule("github-read")
    assert read is not None and read.methods is None and read.ports is None
    assert read.inject[0].name == "Authorization" and read.inject[0].secrets == {"github"}
    assert [p.text for p in read.inject[0].template if p.secret is None] == ["Bearer "]
    gist = policy.rule("no-gist")
    assert gist is not None and gist.action is Action.DENY
    pinned = policy.rule("pinned")
    assert pinned is not None and pinned.tls is TlsMode.PASSTHROUGH and pinned.hosts[0].suffix == "pinned.example"
    internal = policy.rule("internal-api")
    assert internal is not None and internal.ports == frozenset({8443}) and internal.private_networks is True
    assert policy.secrets["github"].placeholder == "EG_SECRET_GITHUB"
    assert [h.text for h in policy.secrets["vendor"].hosts] == ["*.vendor.example"]


def test_hosts_are_stored_canonical() -> None:
    policy = load_policy(DATA / "valid" / "idn_and_ip_spellings.yaml")
    idn, loopback = policy.rule("idn"), policy.rule("loopback")
    assert idn is not None and loopback is not None
    assert [h.text for h in idn.hosts] == ["xn--bcher-kva.example", "*.xn--strae-oqa.de", "xn--bcher-kva.example"]
    assert [h.text for h in loopback.hosts] == ["127.0.0.1", "::1", "10.0.0.1"]


def test_rules_remember_their_line(make_policy: Callable[[str], Policy]) -> None:
    policy = make_policy("""\
        version: 1
        rules:
          - id: first
            hosts: [a.example.com]

          - id: second
            hosts: [b.example.com]
    """)
    assert [r.mark.line for r in policy.rules] == [3, 6]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "version: 1\n"                        # 1
        "mode: enforcing\n"                   # 2
        "defaults:\n"                         # 3
        "  max_body: lots\n"                  # 4
        "rules:\n"                            # 5
        "  - id: a\n"                         # 6
        "    hosts: ['*.com']\n"              # 7
        "    methods: [get]\n"                # 8
        "    ports: [0]\n"                    # 9
        "  - id: b\n"                         # 10
        "    hosts: [b.example.com]\n"        # 11
        "    paths: [nope]\n"                 # 12
        "    colour: red\n"                   # 13
        "  - hosts: [c.example.com]\n",       # 14
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    got = [(p.line, p.message.split(":")[0]) for p in info.value.problems]
    assert [line for line, _ in got] == [2, 4, 7, 8, 9, 12, 13, 14], got
    assert str(info.value).count("\n") == 7
    assert all(str(p).startswith(f"{path}:{p.line}: ") for p in info.value.problems)


def test_problems_are_sorted_by_file_and_line() -> None:
    problems = [Problem("b.yaml", 1, "x"), Problem("a.yaml", 9, "y"), Problem("a.yaml", 2, "z")]
    assert [str(p) for p in PolicyError(problems).problems] == ["a.yaml:2: z", "a.yaml:9: y", "b.yaml:1: x"]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    ports: [443, 443]\n",
                     None, id="a repeated port is harmless"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    tls: passthrough\n    ports: [443]\n",
                     None, id="passthrough with ports is fine"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    approval: none\n",
                     None, id="approval none is fine"),
        pytest.param("version: 1\ndefaults:\n  max_body: 1048576\n", None, id="a size may be a plain number"),
        pytest.param("version: 1\ndefaults:\n  approval_timeout: 90\n", None, id="a duration may be seconds"),
        pytest.param("version: 1\ndefaults:\n  private_networks: no\n", "is a YAML boolean",
                     id="no is a boolean too"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    tls: passthrough\n    scan: [secrets]\n",
                     '"scan" needs to see inside TLS', id="passthrough cannot scan"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    tls: passthrough\n    approval: required\n",
                     '"approval" needs to see inside TLS', id="passthrough cannot hold"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    inject: {headers: {X-A: x, x-a: y}}\n",
                     "injected twice", id="a header injected twice"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    inject: {headers: {'Bad Header': x}}\n",
                     "is not a valid header name", id="a header name with a space"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    inject: {cookies: {a: b}}\n",
                     'unknown key "cookies"', id="inject only knows headers"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    private_networks: true\n",
                     "is a YAML boolean", id="rule private_networks boolean"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n  - just a string\n",
                     "expected a mapping of keys", id="a rule that is not a mapping"),
        pytest.param("version: 1\nsecrets:\n  github: {from: {env: T}, hosts: [a.example.com]}\n"
                     "  github: {from: {env: U}, hosts: [a.example.com]}\n",
                     'duplicate secret "github"', id="a secret declared twice in one file"),
        pytest.param("version: 1\nsecrets:\n  'bad name': {from: {env: T}, hosts: [a.example.com]}\n",
                     "is not a valid secret name", id="a secret name with a space"),
        pytest.param("version: 1\n1: x\n", "keys must be plain words", id="a number as a key"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com, 42]\n",
                     "expected a host name", id="a number as a host"),
        pytest.param("version: 1\nrules:\n  - id: a\n    hosts: [a.example.com]\n    action: deny\n    approval_timeout: 5m\n",
                     "a deny rule never sends anything", id="deny with approval timeout"),
    ],
)
def test_schema_cases(make_policy: Callable[[str], Policy], yaml_text: str, message: str | None) -> None:
    if message is None:
        make_policy(yaml_text)
        return
    with pytest.raises(PolicyError, match=re.escape(message)):
        make_policy(yaml_text)


def test_yaml_boolean_hint_names_the_choices(make_policy: Callable[[str], Policy]) -> None:
    with pytest.raises(PolicyError, match=r'write one of "deny" or "allow"'):
        make_policy("version: 1\ndefaults:\n  private_networks: yes\n")
