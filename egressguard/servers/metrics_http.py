"""`/metrics` (Prometheus text format), `/healthz` (alive) and `/readyz` (serving)."""

from __future__ import annotations

from collections.abc import Callable

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest(self.registry))


class _Health(tornado.web.RequestHandler):
    def initialize(self, check: Callable[[], bool]) -> None:
        self.check = check

    def get(self) -> None:
        ok = self.check()
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "text/plain")
        self.write("ok\n" if ok else "not ready\n")


def make_app(registry: CollectorRegistry, ready: Callable[[], bool]) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/metrics", _Metrics, {"registry": registry}),
            (r"/healthz", _Health, {"check": lambda: True}),
            (r"/readyz", _Health, {"check": ready}),
        ],
        log_function=lambda _handler: None,
    )
