"""End-to-end fixtures: the real `egressguard run` process and recording upstreams."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.helpers.proxy import ProxyProcess
from tests.helpers.upstream import RecordingServer

# Names the tests use for upstreams; --resolve points them at 127.0.0.1.
NAMES = ["allowed.test", "other.test", "api.example.test", "upload.example.test"]


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def upstream_ca_file(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("upca") / "upstream-ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def upstream() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


@pytest.fixture
def tls_upstream(test_ca: trustme.CA) -> Iterator[RecordingServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert(*NAMES).configure_cert(ctx)
    server = RecordingServer(tls_context=ctx)
    yield server
    server.close()


ProxyFactory = Callable[..., ProxyProcess]


class Starter:
    """Starts proxies with a generated policy directory; stops them all at the end."""

    def __init__(self, base: Path, upstream_ca_file: Path) -> None:
        self.base = base
        self.upstream_ca_file = upstream_ca_file
        self.started: list[ProxyProcess] = []

    def __call__(
        self,
        policy: str,
        *,
        resolve: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        files: dict[str, str] | None = None,
    ) -> ProxyProcess:
        n = len(self.started)
        pdir = self.base / f"policy{n}"
        pdir.mkdir()
        (pdir / "policy.yaml").write_text(policy)
        for name, text in (files or {}).items():
            (pdir / name).write_text(text)
        resolved = {name: "127.0.0.1" for name in NAMES}
        resolved.update(resolve or {})
        proxy = ProxyProcess(
            pdir / "policy.yaml",
            self.base / f"conf{n}",
            resolve=resolved,
            extra_args=["--upstream-ca", str(self.upstream_ca_file), *(extra_args or [])],
            env=env,
        )
        self.started.append(proxy)
        return proxy

    def stop_all(self) -> None:
        for proxy in self.started:
            proxy.stop()


@pytest.fixture
def start_proxy(tmp_path: Path, upstream_ca_file: Path) -> Iterator[ProxyFactory]:
    starter = Starter(tmp_path, upstream_ca_file)
    yield starter
    starter.stop_all()


@pytest.fixture(scope="module")
def start_module_proxy(
    tmp_path_factory: pytest.TempPathFactory, upstream_ca_file: Path
) -> Iterator[ProxyFactory]:
    starter = Starter(tmp_path_factory.mktemp("proxy"), upstream_ca_file)
    yield starter
    starter.stop_all()


@pytest.fixture(scope="module")
def module_upstream() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def module_tls_upstream(test_ca: trustme.CA) -> Iterator[RecordingServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert(*NAMES).configure_cert(ctx)
    server = RecordingServer(tls_context=ctx)
    yield server
    server.close()
