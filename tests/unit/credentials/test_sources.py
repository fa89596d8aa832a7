"""Secret sources: environment and file, with errors that name the secret, never its value."""

from __future__ import annotations

import pytest

from egressguard.credentials.sources import read_secrets
from egressguard.errors import SecretSourceError
from egressguard.policy.hosts import parse_host_pattern
from egressguard.policy.model import EnvSource, FileSource, Mark, SecretDecl


def decl(source: EnvSource | FileSource, placeholder: str | None = None) -> SecretDecl:
    return SecretDecl("gh", source, (parse_host_pattern("api.github.com"),), placeholder, Mark("p.yaml", 3))


def no_file(path: str) -> bytes:
    raise FileNotFoundError(2, "No such file or directory")


def test_env_and_file_sources() -> None:
    env = read_secrets({"gh": decl(EnvSource("GH"))}, {"GH": "tok-1234567"}, no_file)
    assert env["gh"].reveal() == "tok-1234567"
    files = read_secrets({"gh": decl(FileSource("/run/gh"))}, {}, lambda p: b"tok-from-file\n")
    assert files["gh"].reveal() == "tok-from-file"  # the file's trailing newline is not part of it


@pytest.mark.parametrize(
    ("source", "environ", "read", "match"),
    [
        pytest.param(EnvSource("GH"), {}, no_file, "GH is not set", id="missing variable"),
        pytest.param(FileSource("/run/gh"), {}, no_file, "cannot read /run/gh", id="missing file"),
        pytest.param(EnvSource("GH"), {"GH": "ab"}, no_file, "shorter than", id="too short"),
        pytest.param(
            EnvSource("GH"), {"GH": " padded-value "}, no_file, "white space", id="white space around"
        ),
        pytest.param(FileSource("/run/gh"), {}, lambda p: b"\xff\xfe", "not UTF-8", id="binary file"),
    ],
)
def test_bad_sources_name_the_secret_not_the_value(
    source: EnvSource | FileSource, environ: dict[str, str], read: object, match: str
) -> None:
    with pytest.raises(SecretSourceError, match=match) as info:
        read_secrets({"gh": decl(source)}, environ, read)  # type: ignore[arg-type]
    assert "p.yaml:3" in str(info.value) and "'gh'" in str(info.value)
    assert "padded-value" not in str(info.value)


def test_a_value_equal_to_its_placeholder_is_refused() -> None:
    with pytest.raises(SecretSourceError, match="placeholder"):
        read_secrets({"gh": decl(EnvSource("GH"), "EG_SECRET_GH")}, {"GH": "EG_SECRET_GH"}, no_file)
