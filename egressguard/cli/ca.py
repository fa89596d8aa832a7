"""The CA the sandbox trusts: `CONFDIR/egressguard-ca.pem` (certificate only).

mitmproxy keeps its CA (key and certificate) as `CONFDIR/mitmproxy-ca.pem`; we create it
with mitmproxy's own CertStore, keep every key file at mode 0600, and publish the
certificate alone under our name. `bundle` adds it to the system trust store's roots.
"""

from __future__ import annotations

import argparse
import os
import shutil
import ssl
from pathlib import Path

from mitmproxy.certs import CertStore
from mitmproxy.options import CONF_BASENAME

CA_NAME = "egressguard-ca.pem"
BUNDLE_NAME = "ca-bundle.pem"
KEY_SIZE = 2048


def ca_path(confdir: str) -> Path:
    return Path(confdir).expanduser() / CA_NAME


def ensure_ca(confdir: str) -> Path:
    """Create the CA on first run; (re)publish the certificate. Returns its path."""
    path = Path(confdir).expanduser()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    key_file = path / f"{CONF_BASENAME}-ca.pem"
    if not key_file.exists():
        CertStore.create_store(path, CONF_BASENAME, KEY_SIZE, organization="egressguard", cn="egressguard CA")
    for secret in (key_file, path / f"{CONF_BASENAME}-ca.p12"):
        if secret.exists():
            os.chmod(secret, 0o600)
    cert = (path / f"{CONF_BASENAME}-ca-cert.pem").read_bytes()
    target = path / CA_NAME
    if not target.exists() or target.read_bytes() != cert:
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(cert)
        os.chmod(tmp, 0o644)
        tmp.replace(target)
    return target


def system_roots() -> bytes:
    for candidate in (
        ssl.get_default_verify_paths().cafile,
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_bytes()
    import certifi

    return Path(certifi.where()).read_bytes()


def write_bundle(confdir: str) -> Path:
    ca = ensure_ca(confdir)
    target = Path(confdir).expanduser() / BUNDLE_NAME
    roots = system_roots()
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(roots.rstrip(b"\n") + b"\n" + ca.read_bytes())
    os.chmod(tmp, 0o644)
    tmp.replace(target)
    return target


def upstream_trust(confdir: str, extra: str | None) -> Path:
    """The roots upstream servers are verified with: this host's trust store (as curl, git
    and pip use it; certifi where there is none), plus `--upstream-ca` when given.

    mitmproxy on its own verifies against certifi alone, which fails wherever egress
    passes an inspecting gateway whose CA is in the system store; and its option takes one
    file that *replaces* the roots, while SPEC's `--upstream-ca` is an *extra* bundle.
    Both go into CONFDIR/upstream-trust.pem.
    """
    target = Path(confdir).expanduser() / "upstream-trust.pem"
    roots = system_roots().rstrip(b"\n") + b"\n"
    if extra:
        roots += Path(extra).read_bytes()
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(roots)
    os.chmod(tmp, 0o644)
    tmp.replace(target)
    return target


def export(confdir: str, directory: str) -> None:
    """Copy the certificate and bundle where a sandbox can mount them read-only."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ensure_ca(confdir), out / CA_NAME)
    shutil.copyfile(write_bundle(confdir), out / BUNDLE_NAME)
    for name in (CA_NAME, BUNDLE_NAME):
        os.chmod(out / name, 0o644)


def ca(args: argparse.Namespace) -> int:
    if args.action == "path":
        print(ca_path(args.confdir))
    elif args.action == "init":
        print(ensure_ca(args.confdir))
    else:
        print(write_bundle(args.confdir))
    return 0
