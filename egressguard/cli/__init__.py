"""`egressguard` command line: run, check, explain, suggest, approvals, ca, env.

Every flag of `run` (and the shared --confdir/--admin) also reads EGRESSGUARD_<FLAG>.
A bad flag is one line on stderr and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from egressguard import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


def _env(flag: str, default: str | None = None) -> str | None:
    return os.environ.get("EGRESSGUARD_" + flag.upper().replace("-", "_"), default)


def default_policy_path() -> str:
    if Path("rules").is_dir():
        return "rules"
    return str(Path(__file__).resolve().parent.parent / "default_policy.yaml")


def default_confdir() -> str:
    return str(Path("~/.egressguard").expanduser())


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="egressguard", description="The egress firewall for AI-agent sandboxes.")
    p.add_argument("--version", action="version", version=f"egressguard {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    run = sub.add_parser("run", help="run the proxy")
    run.add_argument(
        "--policy",
        default=_env("policy"),
        help="policy file or directory (default: rules/ or the packaged default)",
    )
    run.add_argument("--listen", default=_env("listen", "127.0.0.1:8080"), help="proxy address HOST:PORT")
    run.add_argument(
        "--metrics", default=_env("metrics", "127.0.0.1:9464"), help="metrics/health address HOST:PORT"
    )
    run.add_argument(
        "--admin", default=_env("admin", "127.0.0.1:9465"), help="approvals API address HOST:PORT"
    )
    run.add_argument(
        "--mode", default=_env("mode"), choices=["enforce", "audit"], help="override the policy's mode"
    )
    run.add_argument("--confdir", default=_env("confdir", default_confdir()), help="CA and token directory")
    run.add_argument(
        "--upstream-ca", default=_env("upstream_ca"), help="extra CA bundle for upstream servers"
    )
    run.add_argument(
        "--resolve",
        action="extend",
        nargs="+",
        default=None,
        metavar="HOST=ADDR",
        help="answer DNS for HOST with ADDR (repeat the flag, or list several after it)",
    )
    run.add_argument(
        "--admin-token-file", default=_env("admin_token_file"), help="file holding the operator token(s)"
    )
    run.add_argument(
        "--ca-export-dir",
        default=_env("ca_export_dir"),
        help="also write egressguard-ca.pem and ca-bundle.pem here (for a sandbox to mount)",
    )
    run.add_argument(
        "--shutdown-grace",
        type=float,
        default=float(_env("shutdown_grace", "10") or 10),
        help="seconds to let in-flight requests finish on SIGTERM",
    )

    check = sub.add_parser("check", help="validate a policy")
    check.add_argument("path")

    explain = sub.add_parser("explain", help="show the decision for a request, sending nothing")
    explain.add_argument("--policy", default=_env("policy"))
    explain.add_argument("--json", action="store_true")
    explain.add_argument("--body", help="scan this file as the request body")
    explain.add_argument("--header", action="append", default=[], metavar="NAME:VALUE")
    explain.add_argument(
        "--resolve", action="append", default=None, metavar="HOST=ADDR"
    )  # one per flag: METHOD URL follow
    explain.add_argument("method")
    explain.add_argument("url")

    suggest = sub.add_parser("suggest", help="write a policy from decision logs")
    suggest.add_argument("logfiles", nargs="+")

    approvals = sub.add_parser("approvals", help="list, approve or deny held requests")
    approvals.add_argument("action", choices=["list", "approve", "deny"])
    approvals.add_argument("id", nargs="?")
    approvals.add_argument("--admin", default=_env("admin", "127.0.0.1:9465"), help="admin address or URL")
    approvals.add_argument("--confdir", default=_env("confdir", default_confdir()))
    approvals.add_argument("--token-file")
    approvals.add_argument("--json", action="store_true")

    ca = sub.add_parser("ca", help="print, create or bundle the CA")
    ca.add_argument("action", choices=["path", "init", "bundle"])
    ca.add_argument("--confdir", default=_env("confdir", default_confdir()))

    env = sub.add_parser("env", help="print the shell exports a sandbox needs")
    env.add_argument("--proxy", default=None, help="proxy URL (default: http://<--listen>)")
    env.add_argument("--confdir", default=_env("confdir", default_confdir()))
    env.add_argument("--ca-dir", default=None, help="where the sandbox sees the CA files (default: CONFDIR)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            from egressguard.cli.run import run

            return run(args)
        if args.command == "check":
            from egressguard.cli.check import check

            return check(args)
        if args.command == "explain":
            from egressguard.cli.explain import explain

            return explain(args)
        if args.command == "suggest":
            from egressguard.cli.suggest import suggest

            return suggest(args)
        if args.command == "approvals":
            from egressguard.cli.approvals import approvals

            return approvals(args)
        if args.command == "ca":
            from egressguard.cli.ca import ca

            return ca(args)
        from egressguard.cli.env import env

        return env(args)
    except KeyboardInterrupt:
        return 130
