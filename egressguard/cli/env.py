"""`egressguard env`: the shell exports a sandbox needs (DEPLOY.md §7).

Two CA files: the egressguard CA alone, for runtimes that *add* a CA (Node, Deno), and a
bundle of the system roots plus it, for those whose variable *replaces* the store.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from egressguard.cli.ca import BUNDLE_NAME, CA_NAME

NO_PROXY = "localhost,127.0.0.1,::1"  # every entry is a bypass: keep it minimal


def exports(proxy: str, ca_dir: str) -> list[tuple[str, str]]:
    ca = str(Path(ca_dir) / CA_NAME)
    bundle = str(Path(ca_dir) / BUNDLE_NAME)
    out: list[tuple[str, str]] = []
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        out += [(name, proxy), (name.lower(), proxy)]
    out += [
        ("grpc_proxy", proxy),
        ("NO_PROXY", NO_PROXY),
        ("no_proxy", NO_PROXY),
        ("NODE_USE_ENV_PROXY", "1"),
    ]
    out += [
        ("SSL_CERT_FILE", bundle),  # OpenSSL, Python ssl/httpx, curl, Go on Linux, uv, Ruby
        ("CURL_CA_BUNDLE", bundle),
        ("REQUESTS_CA_BUNDLE", bundle),
        ("PIP_CERT", bundle),
        ("npm_config_cafile", bundle),  # npm: an npmrc `cafile` would otherwise replace Node's roots
        ("GIT_SSL_CAINFO", bundle),
        ("AWS_CA_BUNDLE", bundle),
        ("NODE_EXTRA_CA_CERTS", ca),  # appended to Node's roots
        ("DENO_CERT", ca),
    ]
    return out


def env(args: argparse.Namespace) -> int:
    listen = os.environ.get("EGRESSGUARD_LISTEN", "127.0.0.1:8080")
    host = listen.rsplit(":", 1)[0]
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 - mapping a wildcard listen to a reachable name
        listen = "127.0.0.1:" + listen.rsplit(":", 1)[1]
    proxy = args.proxy or f"http://{listen}"
    ca_dir = args.ca_dir or str(Path(args.confdir).expanduser())
    if args.ca_dir is None:
        from egressguard.cli.ca import write_bundle

        try:
            write_bundle(args.confdir)
        except OSError as exc:
            print(f"# warning: cannot write the CA bundle in {ca_dir}: {exc.strerror}")
    for name, value in exports(proxy, ca_dir):
        print(f"export {name}={shlex.quote(value)}")
    return 0
