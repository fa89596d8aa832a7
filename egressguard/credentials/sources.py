"""Read each declared secret from its source at start (and on reload)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from egressguard.credentials.secret_value import SecretValue
from egressguard.errors import SecretSourceError
from egressguard.policy.model import EnvSource, SecretDecl

MIN_SECRET_LENGTH = 4


def read_secrets(
    decls: Mapping[str, SecretDecl], environ: Mapping[str, str], read_file: Callable[[str], bytes]
) -> dict[str, SecretValue]:
    """name -> value. Raises SecretSourceError naming the secret (never its value)."""
    out: dict[str, SecretValue] = {}
    for name, decl in decls.items():
        where = f"{decl.mark}: secret {name!r}"
        if isinstance(decl.source, EnvSource):
            raw = environ.get(decl.source.env)
            if raw is None:
                raise SecretSourceError(
                    f"{where}: environment variable {decl.source.env} is not set; export it before start"
                )
            value = raw
        else:
            try:
                value = read_file(decl.source.file).decode("utf-8")
            except OSError as exc:
                raise SecretSourceError(
                    f"{where}: cannot read {decl.source.file} ({exc.strerror}); check the path"
                ) from None
            except UnicodeDecodeError:
                raise SecretSourceError(f"{where}: {decl.source.file} is not UTF-8 text") from None
            value = value.strip("\r\n")
        if len(value) < MIN_SECRET_LENGTH or value.strip() != value or any(c in value for c in "\r\n\x00"):
            raise SecretSourceError(
                f"{where}: the value is empty, shorter than {MIN_SECRET_LENGTH} characters or has white space "
                "or control characters around it; fix the source"
            )
        if decl.placeholder is not None and decl.placeholder == value:
            raise SecretSourceError(
                f"{where}: the value equals its placeholder; give a different placeholder"
            )
        out[name] = SecretValue(value)
    return out
