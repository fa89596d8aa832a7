"""Load, compile and swap policies at start and on reload; a bad policy is refused and the
old one kept (SPEC "Policy reload")."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from egressguard.errors import ConfigError, PolicyError
from egressguard.observability import logging as eglog
from egressguard.observability.metrics import EgressMetrics
from egressguard.policy.loader import load_policy, policy_files
from egressguard.policy.model import FileSource, Mode
from egressguard.runtime import Compiled, PolicyHolder, compile_policy


class Reloader:
    """Loads, compiles and swaps policies; a bad one is refused and the old one kept."""

    def __init__(self, path: str, mode: Mode | None, key: bytes, metrics: EgressMetrics) -> None:
        self.path, self.mode, self.key, self.metrics = path, mode, key, metrics
        self.holder: PolicyHolder | None = None
        self.on_swap: list[Callable[[Compiled], None]] = []

    def compile(self) -> Compiled:
        policy = load_policy(self.path, self.mode)
        return compile_policy(
            policy, environ=os.environ, read_file=lambda p: Path(p).read_bytes(), fingerprint_key=self.key
        )

    def apply(self, compiled: Compiled) -> None:
        if self.holder is None:
            self.holder = PolicyHolder(compiled)
        else:
            self.holder.current = compiled
        self.metrics.policy_rules.labels(sandbox="default").set(len(compiled.policy.rules))
        eglog.set_redactor(eglog.redact_exact(compiled.secrets.log_values()))
        for hook in self.on_swap:
            hook(compiled)

    def reload(self, trigger: str) -> bool:
        """Swap in the policy on disk; on any failure keep the running one (and say why)."""
        log = eglog.get_logger()
        try:
            compiled = self.compile()
        except PolicyError as exc:
            problems = [str(p) for p in exc.problems]
        except (ConfigError, OSError) as exc:
            problems = [str(exc)]
        except Exception as exc:  # a bug must not take reloads (or the old policy) away
            problems = [
                f"internal error while loading the policy ({type(exc).__name__}); the running policy stays"
            ]
        else:
            problems = []
        if problems:
            self.metrics.policy_reloads.labels(result="error").inc()
            log.error("egressguard.policy_reload", result="error", trigger=trigger, problems=problems)
            return False
        self.apply(compiled)
        self.metrics.policy_reloads.labels(result="ok").inc()
        log.info(
            "egressguard.policy_reload",
            result="ok",
            trigger=trigger,
            rules=len(compiled.policy.rules),
            files=list(compiled.policy.files),
        )
        return True

    def snapshot(self) -> tuple[tuple[str, int | None, int | None, int | None], ...]:
        """What a change on disk would alter: the policy files and secret files."""
        try:
            files = [str(f) for f in policy_files(self.path)]
        except PolicyError:
            files = []
        if self.holder is not None:
            files += [
                d.source.file
                for d in self.holder.current.policy.secrets.values()
                if isinstance(d.source, FileSource)
            ]
        out: list[tuple[str, int | None, int | None, int | None]] = []
        for f in files:
            try:
                st = os.stat(f)
                out.append((f, st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append((f, None, None, None))
        return tuple(out)
