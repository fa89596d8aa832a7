"""`egressguard explain --policy P METHOD URL [--json]`: the decision, sending nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Run

POLICY = """\
version: 1
rules:
  - id: no-gist
    hosts: [gist.github.com]
    action: deny
  - id: github-read
    hosts: [api.github.com]
    paths: ["/repos/acme/**"]
  - id: github-comment
    hosts: [api.github.com]
    methods: [POST]
    paths: ["/repos/acme/*/issues/*/comments"]
    approval: required
  - id: loopback
    hosts: [127.0.0.1]
  - id: metadata
    hosts: [169.254.169.254]
  - id: internal
    hosts: [10.0.0.5]
    ports: [8443]
    private_networks: allow
  - id: split-horizon
    hosts: [db.corp.example]
  - id: unresolvable
    hosts: [does-not-exist.invalid]
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def explain_json(egressguard: Run, policy: Path, method: str, url: str, *extra: str) -> dict[str, object]:
    result = egressguard("explain", "--policy", str(policy), "--json", *extra, method, url)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "--json prints one object on one line"
    out = json.loads(lines[0])
    assert isinstance(out, dict)
    return out


@pytest.mark.parametrize(
    ("method", "url", "decision", "reason", "rule"),
    [
        pytest.param(
            "GET",
            "https://api.github.com/repos/acme/widget",
            "allow",
            None,
            "github-read",
            id="an allowed read",
        ),
        pytest.param(
            "GET",
            "https://api.github.com/repos/acme/widget?token=x#frag",
            "allow",
            None,
            "github-read",
            id="query and fragment are not part of the path",
        ),
        pytest.param(
            "POST",
            "https://api.github.com/repos/acme/w/issues/1/comments",
            "hold",
            None,
            "github-comment",
            id="an approval rule holds",
        ),
        pytest.param(
            "GET", "https://gist.github.com/x", "deny", "denied_by_rule", "no-gist", id="a deny rule"
        ),
        pytest.param(
            "GET", "https://evil.example.net/", "deny", "host_not_allowed", None, id="an unknown host"
        ),
        pytest.param(
            "DELETE",
            "https://api.github.com/repos/acme/widget",
            "deny",
            "method_not_allowed",
            None,
            id="a method no rule allows",
        ),
        pytest.param(
            "GET",
            "https://api.github.com/repos/other/x",
            "deny",
            "path_not_allowed",
            None,
            id="a path no rule allows",
        ),
        pytest.param(
            "GET",
            "https://api.github.com/repos/acme%2F..%2Fother/x",
            "deny",
            "path_not_allowed",
            None,
            id="an ambiguous path",
        ),
        pytest.param(
            "GET",
            "https://api.github.com:8443/repos/acme/x",
            "deny",
            "port_not_allowed",
            None,
            id="a port no rule allows",
        ),
        pytest.param(
            "GET",
            "http://127.0.0.1/",
            "deny",
            "private_address",
            "loopback",
            id="a loopback IP literal named by a rule is still private",
        ),
        pytest.param(
            "GET",
            "http://2130706433/",
            "deny",
            "private_address",
            "loopback",
            id="another spelling of loopback is private too",
        ),
        pytest.param(
            "GET",
            "http://[::ffff:127.0.0.1]/",
            "deny",
            "private_address",
            "loopback",
            id="a v4-mapped loopback is private",
        ),
        pytest.param(
            "GET",
            "http://169.254.169.254/latest/meta-data/",
            "deny",
            "private_address",
            "metadata",
            id="cloud metadata is private",
        ),
        pytest.param(
            "GET",
            "https://10.0.0.5:8443/",
            "allow",
            None,
            "internal",
            id="a rule may open one private address",
        ),
        pytest.param(
            "GET",
            "https://does-not-exist.invalid/",
            "allow",
            None,
            "unresolvable",
            id="a name is not resolved: explain sends nothing, not even DNS",
        ),
    ],
)
def test_explain_json(
    egressguard: Run, policy: Path, method: str, url: str, decision: str, reason: str | None, rule: str | None
) -> None:
    out = explain_json(egressguard, policy, method, url)
    assert {"decision", "reason", "rule", "findings"} <= out.keys()
    assert (out["decision"], out["reason"], out["rule"]) == (decision, reason, rule), out
    assert out["findings"] == []


def test_resolve_to_a_private_address_is_private(egressguard: Run, policy: Path) -> None:
    out = explain_json(
        egressguard, policy, "GET", "https://db.corp.example/", "--resolve", "db.corp.example=10.1.2.3"
    )
    assert (out["decision"], out["reason"], out["rule"]) == ("deny", "private_address", "split-horizon")


def test_audit_mode_reports_audit(egressguard: Run, tmp_path: Path) -> None:
    path = tmp_path / "audit.yaml"
    path.write_text(
        "version: 1\nmode: audit\nrules:\n  - {id: a, hosts: [a.example.com]}\n", encoding="utf-8"
    )
    out = explain_json(egressguard, path, "GET", "https://b.example.com/")
    assert (out["decision"], out["reason"]) == ("audit", "host_not_allowed")
    out = explain_json(egressguard, path, "GET", "https://a.example.com/")
    assert (out["decision"], out["reason"], out["rule"]) == ("allow", None, "a")


@pytest.mark.parametrize(
    ("method", "url", "first_line"),
    [
        pytest.param(
            "GET", "https://api.github.com/repos/acme/x", "allow reason=- rule=github-read", id="allow"
        ),
        pytest.param("GET", "https://gist.github.com/", "deny reason=denied_by_rule rule=no-gist", id="deny"),
        pytest.param(
            "POST",
            "https://api.github.com/repos/acme/w/issues/2/comments",
            "hold reason=- rule=github-comment",
            id="hold",
        ),
    ],
)
def test_explain_text(egressguard: Run, policy: Path, method: str, url: str, first_line: str) -> None:
    result = egressguard("explain", "--policy", str(policy), method, url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == first_line


def test_deny_text_says_why(egressguard: Run, policy: Path) -> None:
    result = egressguard("explain", "--policy", str(policy), "GET", "https://evil.example.net/")
    assert result.stdout.splitlines()[1].strip() == "no rule allows host evil.example.net"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("GET",), id="no URL"),
        pytest.param(("--bogus", "GET", "https://a.example.com/"), id="an unknown flag"),
        pytest.param(("GET", "api.github.com/repos"), id="not an absolute URL"),
        pytest.param(("GET", "ftp://api.github.com/"), id="not an http URL"),
        pytest.param(("GET", "https://api.github.com:99999/"), id="a port out of range"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(egressguard: Run, policy: Path, args: tuple[str, ...]) -> None:
    result = egressguard("explain", "--policy", str(policy), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_invalid_policy_is_exit_1_with_file_line(egressguard: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nrules:\n  - {id: a, hosts: ['*.com']}\n", encoding="utf-8")
    result = egressguard("explain", "--policy", str(path), "GET", "https://a.com/")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:3: ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_default_policy_is_rules_dir_in_the_working_directory(egressguard: Run, tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "p.yaml").write_text(
        "version: 1\nrules:\n  - {id: here, hosts: [h.example.com]}\n", encoding="utf-8"
    )
    result = egressguard("explain", "--json", "GET", "https://h.example.com/", cwd=tmp_path)
    assert json.loads(result.stdout)["rule"] == "here"


def test_packaged_default_policy_without_rules_dir(egressguard: Run, tmp_path: Path) -> None:
    result = egressguard("explain", "--json", "GET", "https://pypi.org/simple/", cwd=tmp_path)
    assert json.loads(result.stdout)["rule"] == "pypi"


def _no_network_prefix() -> tuple[str, ...]:
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, check=False)
    return (unshare, "-n") if probe.returncode == 0 else ()


def test_explain_opens_no_network_connection(egressguard: Run, policy: Path) -> None:
    prefix = _no_network_prefix()
    if not prefix:
        pytest.skip("unshare -n is not available: cannot take the network away")
    start = time.monotonic()
    result = egressguard(
        "explain",
        "--policy",
        str(policy),
        "--json",
        "GET",
        "https://does-not-exist.invalid/",
        prefix=prefix,
        timeout=30,
    )
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == "allow"
    assert elapsed < 10


def test_explain_is_quick_for_a_name_that_would_not_resolve(egressguard: Run, policy: Path) -> None:
    # Without network isolation: a DNS lookup of an unresolvable name under a slow or
    # absent resolver would show up as seconds; explain does none.
    start = time.monotonic()
    out = explain_json(egressguard, policy, "GET", "https://does-not-exist.invalid/")
    assert out["decision"] == "allow"
    assert time.monotonic() - start < 10


GH_TOKEN = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "vectors" / "tokens" / "github_token.json").read_text()
)["positive"][0]


@pytest.mark.parametrize(
    ("body", "headers", "decision", "reason", "detector"),
    [
        pytest.param(
            b'{"comment": "looks good to me"}', (), "hold", None, None, id="a clean body changes nothing"
        ),
        pytest.param(
            json.dumps({"comment": GH_TOKEN}).encode(),
            (),
            "deny",
            "secret_detected",
            "github_token",
            id="a token in the body is found",
        ),
        pytest.param(
            __import__("gzip").compress(GH_TOKEN.encode()),
            ("--header", "Content-Encoding: gzip"),
            "deny",
            "secret_detected",
            "github_token",
            id="through the declared content encoding",
        ),
        pytest.param(
            "\n".join(f"u{i}@corp.example" for i in range(60)).encode(),
            (),
            "deny",
            "bulk_data_detected",
            "bulk_emails",
            id="bulk e-mail addresses",
        ),
    ],
)
def test_explain_body_runs_the_scanners(
    egressguard: Run,
    policy: Path,
    tmp_path: Path,
    body: bytes,
    headers: tuple[str, ...],
    decision: str,
    reason: str | None,
    detector: str | None,
) -> None:
    body_file = tmp_path / "body.bin"
    body_file.write_bytes(body)
    out = explain_json(
        egressguard,
        policy,
        "POST",
        "https://api.github.com/repos/acme/w/issues/1/comments",
        "--body",
        str(body_file),
        *headers,
    )
    assert out["decision"] == decision and out["reason"] == reason
    detectors = {f["detector"] for f in out["findings"]}  # type: ignore[union-attr]
    assert (detector in detectors) if detector else not detectors
    assert GH_TOKEN not in json.dumps(out)


def test_explain_without_body_does_not_scan(egressguard: Run, policy: Path) -> None:
    out = explain_json(egressguard, policy, "GET", f"https://api.github.com/repos/acme/w?token={GH_TOKEN}")
    assert out["decision"] == "allow" and out["findings"] == []
