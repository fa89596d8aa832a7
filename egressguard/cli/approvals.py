"""`egressguard approvals list|approve ID|deny ID`: drive the approval gate's admin API."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def _token(args: argparse.Namespace) -> str:
    token_file = args.token_file or os.environ.get("EGRESSGUARD_ADMIN_TOKEN_FILE")
    if token_file:
        return Path(token_file).read_text("utf-8").strip().splitlines()[0].rpartition(":")[2]
    if os.environ.get("EGRESSGUARD_ADMIN_TOKEN"):
        return os.environ["EGRESSGUARD_ADMIN_TOKEN"].strip()
    return (Path(args.confdir).expanduser() / "admin-token").read_text("utf-8").strip()


def _base(admin: str) -> str:
    return admin.rstrip("/") if admin.startswith(("http://", "https://")) else f"http://{admin}"


def _call(method: str, url: str, token: str) -> tuple[int, Any]:
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - operator-given admin URL
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def approvals(args: argparse.Namespace) -> int:
    try:
        token = _token(args)
    except OSError as exc:
        print(
            f"egressguard approvals: cannot read the operator token ({exc.strerror}); use --token-file, "
            "EGRESSGUARD_ADMIN_TOKEN or --confdir",
            file=sys.stderr,
        )
        return 2
    base = _base(args.admin)
    try:
        if args.action == "list":
            status, items = _call("GET", f"{base}/api/approvals", token)
        else:
            if not args.id:
                print(
                    f"egressguard approvals: {args.action} needs an ID (see: egressguard approvals list)",
                    file=sys.stderr,
                )
                return 2
            status, items = _call("POST", f"{base}/api/approvals/{args.id}/{args.action}", token)
    except OSError as exc:
        print(f"egressguard approvals: cannot reach {base}: {exc}", file=sys.stderr)
        return 1
    if status == 401:
        print("egressguard approvals: the admin API rejected the token", file=sys.stderr)
        return 2
    if status == 404:
        print(
            f"egressguard approvals: no pending approval {args.id!r} (unknown or already decided)",
            file=sys.stderr,
        )
        return 1
    if status != 200:
        print(f"egressguard approvals: unexpected answer {status}", file=sys.stderr)
        return 1
    if args.action != "list":
        print(f"{args.id}: {items['outcome']}")
        return 0
    if args.json:
        print(json.dumps(items))
        return 0
    if not items:
        print("no held requests")
    now = time.time()
    for h in items:
        print(
            f"{h['id']}  {h['method']} {h['url']}  rule={h['rule']} client={h['client']} "
            f"age={now - h['created']:.0f}s expires_in={max(0, h['expires'] - now):.0f}s"
        )
    return 0
