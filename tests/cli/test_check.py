"""`egressguard check PATH`: exit 0 when valid; exit 1 and one FILE:LINE: line per problem."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, Run

DATA = ROOT / "tests" / "data" / "policies"
INVALID = sorted((DATA / "invalid").glob("*.yaml"))
SHIPPED = [
    ROOT / "rules",
    *sorted((ROOT / "rules").glob("*.yaml")),
    *sorted((ROOT / "rules" / "examples").glob("*.yaml")),
    ROOT / "egressguard" / "default_policy.yaml",
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_policies_pass_check(egressguard: Run, path: Path) -> None:
    result = egressguard("check", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{path}: ok" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("path", [*sorted((DATA / "valid").glob("*.yaml")), DATA / "valid_dirs" / "merged"],
                         ids=lambda p: p.name)
def test_valid_fixtures_pass_check(egressguard: Run, path: Path) -> None:
    result = egressguard("check", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r": ok — \d+ rules, \d+ secrets, mode (enforce|audit), from \d+ file\(s\)", result.stdout)


@pytest.mark.parametrize(
    "name",
    ["wildcard_on_public_suffix", "duplicate_yaml_key", "non_utf8", "tabs", "empty", "yaml_alias",
     "secret_outside_its_hosts", "two_documents"],
)
def test_invalid_policy_fails_with_file_line_message(egressguard: Run, name: str) -> None:
    path = DATA / "invalid" / f"{name}.yaml"
    lines = path.read_bytes().split(b"\n")
    expect = lines[0].decode()[len("# expect: "):]
    line = int(lines[1][len(b"# line: "):]) if lines[1].startswith(b"# line: ") else 1
    result = egressguard("check", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out, result.stderr
    assert any(o.startswith(f"{path}:{line}: ") and expect in o for o in out), out
    assert all(re.match(rf"^{re.escape(str(path))}:\d+: \S", o) for o in out), out


def test_every_invalid_fixture_fails_check_without_a_traceback(egressguard: Run) -> None:
    # One process per fixture (a directory would merge them); run them side by side.
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda p: (p, egressguard("check", str(p))), INVALID))
    failures = [
        (path.name, r.returncode, r.stderr[-300:])
        for path, r in results
        if r.returncode != 1 or "Traceback" in r.stdout + r.stderr or not r.stdout.startswith(f"{path}:")
    ]
    assert failures == []


def test_one_line_per_problem(egressguard: Run, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\n"
        "rules:\n"
        "  - id: a\n"
        "    hosts: ['*.com']\n"
        "    methods: [get]\n"
        "  - id: a\n"
        "    hosts: [a.example.com]\n"
        "    paths: [x]\n",
        encoding="utf-8",
    )
    result = egressguard("check", str(policy))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert [int(o.split(":")[1]) for o in out] == [4, 5, 6, 8], out


def test_directory_conflicts(egressguard: Run) -> None:
    path = DATA / "invalid_dirs" / "conflicts"
    result = egressguard("check", str(path))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert len(out) == 5
    assert all(o.startswith(f"{path / '20-team.yaml'}:") for o in out), out


def test_directory_without_policy_files(egressguard: Run) -> None:
    path = DATA / "invalid_dirs" / "no_yaml"
    result = egressguard("check", str(path))
    assert result.returncode == 1
    assert "no policy files" in result.stdout and "Traceback" not in result.stderr


def test_missing_path(egressguard: Run, tmp_path: Path) -> None:
    result = egressguard("check", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{tmp_path / 'missing.yaml'}:")
    assert "no such file or directory" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("check",), id="check without a path"),
        pytest.param(("check", "--bogus", "rules"), id="check with an unknown flag"),
        pytest.param(("chekc", "rules"), id="an unknown command"),
        pytest.param((), id="no command at all"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(egressguard: Run, args: tuple[str, ...]) -> None:
    result = egressguard(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("egressguard")


def test_relative_path_is_reported_as_given(egressguard: Run, tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text("version: 1\nmode: strict\n", encoding="utf-8")
    result = egressguard("check", "team.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("team.yaml:2: mode: ")
