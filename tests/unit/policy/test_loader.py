"""Reading policy files: one file or a directory merged in file-name order, conflicts
between files, cross-file secret checks, and every problem reported as FILE:LINE."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from egressguard.errors import PolicyError
from egressguard.policy.loader import load_policy, policy_files
from egressguard.policy.model import Mode

DATA = Path(__file__).parents[2] / "data" / "policies"
ROOT = Path(__file__).parents[3]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return [(Path(p.file).name, p.line, p.message) for p in info.value.problems]


def test_directory_merges_in_file_name_order(tmp_path: Path) -> None:
    write(tmp_path, "20-b.yaml", "version: 1\nrules:\n  - {id: b, hosts: [b.example.com]}\n")
    write(tmp_path, "10-a.yml", "version: 1\nrules:\n  - {id: a, hosts: [a.example.com]}\n")
    write(tmp_path, "30-c.yaml", "version: 1\nrules:\n  - {id: c, hosts: [c.example.com]}\n")
    write(tmp_path, "README.md", "not a policy")
    write(tmp_path, ".swap.yaml", "{{{ not yaml")
    (tmp_path / "sub.yaml").mkdir()
    policy = load_policy(tmp_path)
    assert [r.id for r in policy.rules] == ["a", "b", "c"]
    assert [Path(f).name for f in policy.files] == ["10-a.yml", "20-b.yaml", "30-c.yaml"]
    assert [Path(f).name for f in policy_files(tmp_path)] == ["10-a.yml", "20-b.yaml", "30-c.yaml"]


def test_name_order_is_by_name_not_by_number(tmp_path: Path) -> None:
    write(tmp_path, "9-late.yaml", "version: 1\nrules:\n  - {id: nine, hosts: [x.example.com]}\n")
    write(tmp_path, "10-early.yaml", "version: 1\nrules:\n  - {id: ten, hosts: [x.example.com], action: deny}\n")
    assert [r.id for r in load_policy(tmp_path).rules] == ["ten", "nine"]


def test_rule_marks_point_at_their_own_file(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nrules:\n  - {id: a, hosts: [a.example.com]}\n")
    write(tmp_path, "b.yaml", "version: 1\n\n\nrules:\n  - {id: b, hosts: [b.example.com]}\n")
    marks = [(Path(r.mark.file).name, r.mark.line) for r in load_policy(tmp_path).rules]
    assert marks == [("a.yaml", 3), ("b.yaml", 5)]


def test_settings_from_different_files_combine(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nmode: audit\ndefaults:\n  max_body: 1MiB\n")
    write(tmp_path, "b.yaml", "version: 1\nmode: audit\ndefaults:\n  approval_timeout: 30s\n")
    policy = load_policy(tmp_path)
    assert policy.mode is Mode.AUDIT
    assert (policy.defaults.max_body, policy.defaults.approval_timeout) == (2**20, 30.0)


def test_a_secret_declared_in_one_file_is_used_in_another() -> None:
    policy = load_policy(DATA / "valid_dirs" / "merged")
    assert [r.id for r in policy.rules] == ["deny-admin", "github-read"]
    assert set(policy.secrets) == {"github"}


def test_conflicts_between_files_are_each_reported_at_the_later_file() -> None:
    got = problems(DATA / "invalid_dirs" / "conflicts")
    base = str(DATA / "invalid_dirs" / "conflicts" / "10-base.yaml")
    expected = [
        ("20-team.yaml", 3, f"mode is also set at {base}:3"),
        ("20-team.yaml", 5, f"defaults.max_body is also set at {base}:5"),
        ("20-team.yaml", 7, f'secret "github" is also declared at {base}:7'),
        ("20-team.yaml", 11, f'duplicate rule id "github-read" (also at {base}:11)'),
        ("20-team.yaml", 15, 'would send secret "github" to uploads.github.com, outside its hosts (api.github.com)'),
    ]
    assert len(got) == len(expected), got
    for (name, line, message), (ename, eline, emessage) in zip(got, expected, strict=True):
        assert (name, line) == (ename, eline)
        assert emessage in message


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nrules:\n  - {id: same, hosts: [a.example.com]}\n")
    write(tmp_path, "b.yaml", "version: 1\nrules:\n  - {id: other, hosts: [b.example.com]}\n"
                              "  - {id: same, hosts: [c.example.com]}\n")
    got = problems(tmp_path)
    assert got == [("b.yaml", 4, f'duplicate rule id "same" (also at {tmp_path / "a.yaml"}:3); '
                                 "give each rule its own id")]


def test_duplicate_id_of_an_invalid_rule_is_still_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nrules:\n  - {id: same, hosts: ['*.com']}\n"
                              "  - {id: same, hosts: [b.example.com]}\n")
    messages = [m for _, _, m in problems(tmp_path)]
    assert any("public suffix" in m for m in messages)
    assert any('duplicate rule id "same"' in m for m in messages)


def test_a_secret_used_before_the_file_that_declares_it(tmp_path: Path) -> None:
    write(tmp_path, "10-rules.yaml", """\
        version: 1
        rules:
          - id: api
            hosts: [api.example.com]
            inject: {headers: {X-Key: "${secrets.key}"}}
    """)
    write(tmp_path, "20-secrets.yaml", """\
        version: 1
        secrets:
          key:
            from: {env: KEY}
            hosts: [api.example.com]
    """)
    assert [r.id for r in load_policy(tmp_path).rules] == ["api"]


def test_a_secret_used_in_another_file_outside_its_hosts(tmp_path: Path) -> None:
    write(tmp_path, "10-secrets.yaml", """\
        version: 1
        secrets:
          key:
            from: {env: KEY}
            hosts: ["*.example.com"]
    """)
    write(tmp_path, "20-rules.yaml", """\
        version: 1
        rules:
          - id: ok
            hosts: [api.example.com, "*.eu.example.com"]
            inject: {headers: {X-Key: "${secrets.key}"}}
          - id: leak
            hosts: [example.com, example.net]
            inject: {headers: {X-Key: "k ${secrets.key}"}}
    """)
    got = problems(tmp_path)
    assert len(got) == 1
    name, line, message = got[0]
    assert (name, line) == ("20-rules.yaml", 8)
    assert 'rule "leak" would send secret "key" to example.com, example.net' in message


def test_undeclared_secret_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", """\
        version: 1
        secrets:
          github:
            from: {env: GITHUB_TOKEN}
            hosts: [api.github.com]
        rules:
          - id: api
            hosts: [api.github.com]
            inject: {headers: {Authorization: "Bearer ${secrets.gihtub}"}}
    """)
    [(_, line, message)] = problems(tmp_path)
    assert line == 9
    assert 'no secret "gihtub" is declared (known: github)' in message


def test_duplicate_placeholders_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nsecrets:\n  one: {from: {env: A}, hosts: [a.example.com], "
                              "placeholder: EG_SECRET_SAME}\n")
    write(tmp_path, "b.yaml", "version: 1\nsecrets:\n  two: {from: {env: B}, hosts: [b.example.com], "
                              "placeholder: EG_SECRET_SAME}\n")
    [(name, line, message)] = problems(tmp_path)
    assert (name, line) == ("b.yaml", 3)
    assert 'placeholder of "two" is the same as that of "one"' in message


def test_problems_from_every_file_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 2\n")
    write(tmp_path, "b.yaml", "version: 1\nrules:\n  - {id: x, hosts: [x.example.com], methods: [get]}\n")
    write(tmp_path, "c.yaml", "version: 1\n\tmode: audit\n")
    got = [(name, line) for name, line, _ in problems(tmp_path)]
    assert got == [("a.yaml", 1), ("b.yaml", 3), ("c.yaml", 2)]


def test_directory_without_policy_files() -> None:
    got = problems(DATA / "invalid_dirs" / "no_yaml")
    assert len(got) == 1 and "no policy files (*.yaml, *.yml)" in got[0][2]


def test_missing_path(tmp_path: Path) -> None:
    [(_, _, message)] = problems(tmp_path / "nope.yaml")
    assert "no such file or directory" in message


def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "version: 1\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: every file is readable")
    [(_, _, message)] = problems(path)
    assert "cannot read the file" in message


def test_a_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * (5 * 2**20))
    [(_, _, message)] = problems(path)
    assert "larger than 4 MiB" in message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\n")
    assert load_policy(path).rules == ()


def test_comment_only_file_is_empty(tmp_path: Path) -> None:
    [(_, line, message)] = problems(write(tmp_path, "c.yaml", "# nothing yet\n\n# still nothing\n"))
    assert line == 1 and "the file is empty" in message


def test_mode_override(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "version: 1\nmode: enforce\n")
    assert load_policy(path, mode_override=Mode.AUDIT).mode is Mode.AUDIT


def test_error_text_is_file_colon_line_lines(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nrules:\n  - {id: a, hosts: ['*.co.uk']}\n  - {id: b, hosts: [b..com]}\n")
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    for text in lines:
        assert re.match(rf"^{re.escape(str(tmp_path / 'a.yaml'))}:\d+: rules\[\d\] \([ab]\)\.hosts\[0\]: ", text)


@pytest.mark.parametrize(
    "path",
    [ROOT / "rules", *sorted((ROOT / "rules").glob("*.yaml")), *sorted((ROOT / "rules" / "examples").glob("*.yaml")),
     ROOT / "egressguard" / "default_policy.yaml"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_shipped_policies_load(path: Path) -> None:
    assert load_policy(path).rules
