"""`egressguard run`: the composition root. Builds the runtime, embeds mitmproxy with our
addons, serves metrics and the admin API, reloads the policy, shuts down gracefully."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
from mitmproxy import http, options
from mitmproxy.addons import core, disable_h2c, next_layer, proxyserver, tlsconfig
from mitmproxy.master import Master
from prometheus_client import CollectorRegistry

from egressguard import __version__
from egressguard.addons import body_limits, default_addons
from egressguard.addons.pipeline import Pipeline
from egressguard.approval.gate import ApprovalGate, Outcome
from egressguard.cli import ca as ca_cli
from egressguard.cli import default_policy_path
from egressguard.cli.reloader import Reloader
from egressguard.errors import ConfigError, PolicyError, SecretSourceError
from egressguard.netguard.addresses import IPAddress, parse_local_addresses
from egressguard.netguard.resolver import parse_overrides
from egressguard.observability import logging as eglog
from egressguard.observability.metrics import EgressMetrics
from egressguard.policy.model import Mode
from egressguard.runtime import Compiled, Runtime
from egressguard.servers import admin_http, metrics_http

WATCH_INTERVAL = 1.0


def parse_hostport(value: str, flag: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{flag} {value!r}: write HOST:PORT, e.g. 127.0.0.1:8080")
    return host or "0.0.0.0", int(port)  # noqa: S104 - an explicit ":PORT" means all interfaces


def read_tokens(args: argparse.Namespace) -> dict[str, str]:
    """Operator tokens: `--admin-token-file` (lines of TOKEN or NAME:TOKEN), else a fresh
    random token written to CONFDIR/admin-token (0600)."""
    if args.admin_token_file:
        tokens: dict[str, str] = {}
        try:
            lines = Path(args.admin_token_file).read_text("utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"--admin-token-file {args.admin_token_file}: {exc.strerror}") from None
        for line in (ln.strip() for ln in lines):
            if not line or line.startswith("#"):
                continue
            name, sep, token = line.partition(":")
            name, token = (name, token) if sep and token else ("operator", line)
            if len(token) < 16:
                raise ConfigError(
                    f"--admin-token-file {args.admin_token_file}: tokens need at least 16 characters"
                )
            tokens[name] = token
        if not tokens:
            raise ConfigError(f"--admin-token-file {args.admin_token_file}: no token in the file")
        return tokens
    token = secrets.token_urlsafe(32)
    path = Path(args.confdir).expanduser() / "admin-token"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    tmp.replace(path)
    return {"operator": token}


def local_addresses() -> frozenset[IPAddress]:
    """This host's addresses, from the kernel's tables (no DNS); empty where unreadable."""

    def read(path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    found = parse_local_addresses(read("/proc/net/fib_trie"), read("/proc/net/if_inet6"))
    return frozenset(ip for ip in found if not ip.is_loopback)


class Lifecycle:
    """Tracks in-flight requests and tells the runner when the proxy listens."""

    def __init__(self) -> None:
        self.inflight: set[str] = set()
        self.started = asyncio.Event()

    def running(self) -> None:
        self.started.set()

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self.inflight.add(flow.id)

    def response(self, flow: http.HTTPFlow) -> None:
        self.inflight.discard(flow.id)

    error = response


def _mitm_options(compiled: Compiled, args: argparse.Namespace, host: str, port: int) -> dict[str, Any]:
    max_body = compiled.policy.defaults.max_body
    return {
        "listen_host": host,
        "listen_port": port,
        "confdir": str(Path(args.confdir).expanduser()),
        "connection_strategy": "lazy",  # decide before any upstream connection exists
        "upstream_cert": False,
        "ssl_verify_upstream_trusted_ca": args.upstream_trust,
        # Bodies are held whole for scanning; past twice the limit mitmproxy stops reading.
        "body_size_limit": str(2 * max_body + 1024 * 1024),
        "http2": True,
        "websocket": True,
        "rawtcp": True,  # raw TCP is *detected* so that TunnelGuard can refuse it by name
        "validate_inbound_headers": True,
        "stream_large_bodies": None,
    }


async def serve(
    args: argparse.Namespace,
    reloader: Reloader,
    tokens: dict[str, str],
    ca_file: Path,
    registry: CollectorRegistry,
    metrics: EgressMetrics,
    overrides: dict[str, IPAddress],
) -> int:
    assert reloader.holder is not None
    log = eglog.get_logger()
    gate = ApprovalGate(clock=time.monotonic, wallclock=time.time)
    runtime = Runtime(
        holder=reloader.holder,
        metrics=metrics,
        approvals=gate,
        overrides=overrides,
        local_addresses=local_addresses(),
    )
    host, port = parse_hostport(args.listen, "--listen")
    opts = options.Options()
    body_limits.install()  # request bodies bounded, large responses streamed
    master = Master(opts)
    lifecycle = Lifecycle()
    master.addons.add(
        core.Core(),
        proxyserver.Proxyserver(),
        next_layer.NextLayer(),
        tlsconfig.TlsConfig(),
        disable_h2c.DisableH2C(),
    )
    # one addon dispatching to every stage in order (see addons/pipeline.py)
    master.addons.add(Pipeline([*default_addons(runtime), lifecycle]))
    opts.update(**_mitm_options(reloader.holder.current, args, host, port))
    reloader.on_swap.append(
        lambda c: opts.update(body_size_limit=_mitm_options(c, args, host, port)["body_size_limit"])
    )

    def protect(bound_ip: str, bound_port: int) -> None:
        """Remember a listener of ours (as bound): nothing may reach it through the proxy."""
        ip = ipaddress.ip_address(bound_ip.split("%", 1)[0])
        runtime.own_endpoints.add((None if ip.is_unspecified else ip, bound_port))

    def listen(app: Any, value: str, flag: str) -> str:
        h, p = parse_hostport(value, flag)
        sockets = tornado.netutil.bind_sockets(p, h)
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        bound = sockets[0].getsockname()
        for sock in sockets:
            protect(*sock.getsockname()[:2])
        return f"{h}:{bound[1]}"

    ready = False
    metrics_addr = listen(metrics_http.make_app(registry, lambda: ready), args.metrics, "--metrics")
    admin_addr = listen(
        admin_http.make_app(gate, tokens, lambda: metrics.approvals_pending.labels(sandbox="default").set(len(gate))),
        args.admin,
        "--admin",
    )

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: reloader.reload("SIGHUP"))

    master_task = asyncio.create_task(master.run())
    started = asyncio.create_task(lifecycle.started.wait())
    await asyncio.wait([master_task, started], return_when=asyncio.FIRST_COMPLETED)
    ps = master.addons.get("proxyserver")
    addrs = ps.listen_addrs() if ps else []
    if master_task.done() or not addrs:
        log.error(
            "egressguard.listen_failed",
            listen=args.listen,
            message=f"cannot listen on {args.listen}; is the address in use or not local?",
        )
        print(
            f"egressguard: cannot listen on {args.listen} (address in use, or not an address of this host)",
            file=sys.stderr,
        )
        master.shutdown()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(master_task, 5)
        return 1
    listen_addr = f"{addrs[0][0]}:{addrs[0][1]}"
    for addr in addrs:
        protect(str(addr[0]), int(addr[1]))
    ready = True
    log.info(
        "egressguard.started",
        listen=listen_addr,
        metrics=metrics_addr,
        admin=admin_addr,
        ca=str(ca_file),
        policy=reloader.path,
        mode=reloader.holder.current.mode.value,
        rules=len(reloader.holder.current.policy.rules),
        version=__version__,
    )

    async def watch() -> None:
        last = reloader.snapshot()
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            now = reloader.snapshot()
            if now != last:
                await asyncio.sleep(0.3)  # debounce: let an editor finish writing
                settled = reloader.snapshot()
                if settled == now:
                    reloader.reload("file change")
                    last = settled

    tasks = [asyncio.create_task(watch())]
    stop_wait = asyncio.create_task(stopping.wait())
    await asyncio.wait([master_task, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    ready = False
    log.info("egressguard.stopping", inflight=len(lifecycle.inflight))
    opts.update(server=False)  # stop accepting
    for held in gate.pending():
        gate.decide(held.id, Outcome.CANCELLED)
    deadline = time.monotonic() + max(0.0, args.shutdown_grace)
    while lifecycle.inflight and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    master.shutdown()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(master_task, 10)
    log.info("egressguard.stopped", unfinished=len(lifecycle.inflight))
    return 0


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="mitmproxy %(levelname)s %(message)s"
    )
    eglog.configure()
    try:
        parse_hostport(args.listen, "--listen")
        parse_hostport(args.metrics, "--metrics")
        parse_hostport(args.admin, "--admin")
        resolve = (
            args.resolve
            if args.resolve is not None
            else (os.environ.get("EGRESSGUARD_RESOLVE", "").replace(",", " ").split())
        )
        try:
            overrides = dict(parse_overrides(resolve))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if args.upstream_ca and not Path(args.upstream_ca).is_file():
            raise ConfigError(f"--upstream-ca {args.upstream_ca}: no such file")
        registry = CollectorRegistry()
        metrics = EgressMetrics(registry)
        path = args.policy or default_policy_path()
        reloader = Reloader(path, Mode(args.mode) if args.mode else None, secrets.token_bytes(32), metrics)
        reloader.apply(reloader.compile())
        ca_file = ca_cli.ensure_ca(args.confdir)
        args.upstream_trust = str(ca_cli.upstream_trust(args.confdir, args.upstream_ca))
        if args.ca_export_dir:
            ca_cli.export(args.confdir, args.ca_export_dir)
        tokens = read_tokens(args)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            "egressguard: the policy has problems; fix them (egressguard check) and start again",
            file=sys.stderr,
        )
        return 1
    except SecretSourceError as exc:
        print(f"egressguard: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"egressguard: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"egressguard: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(serve(args, reloader, tokens, ca_file, registry, metrics, overrides))
    except OSError as exc:
        print(f"egressguard: cannot start: {exc.strerror} (is --metrics or --admin in use?)", file=sys.stderr)
        return 1
