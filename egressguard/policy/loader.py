"""Read policy files (one file, or a directory merged in file-name order) into a Policy.

The only place that reads policy files. Raises PolicyError carrying every problem found.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import yaml

from egressguard.errors import PolicyError, Problem
from egressguard.policy.hosts import HostPattern
from egressguard.policy.model import Defaults, Mark, Mode, Policy, Rule, SecretDecl
from egressguard.policy.schema import Document, Located, PolicyReader, read_document

POLICY_SUFFIXES = (".yaml", ".yml")
MAX_POLICY_BYTES = 4 * 1024 * 1024


def policy_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files a policy path names: itself, or a directory's *.yaml/*.yml in name order."""
    p = Path(path)
    if p.is_dir():
        files = sorted(
            f
            for f in p.iterdir()
            if f.suffix in POLICY_SUFFIXES and not f.name.startswith(".") and f.is_file()
        )
        if not files:
            raise PolicyError(
                [
                    Problem(
                        str(p),
                        0,
                        "no policy files (*.yaml, *.yml) in this directory; add one, e.g. rules.yaml",
                    )
                ]
            )
        return files
    if not p.exists():
        raise PolicyError(
            [Problem(str(p), 0, "no such file or directory; give a policy file or a directory of them")]
        )
    return [p]


def load_policy(path: str | os.PathLike[str], mode_override: Mode | None = None) -> Policy:
    files = policy_files(path)
    docs: list[Document] = []
    problems: list[Problem] = []
    for f in files:
        doc, probs = _read_file(f)
        problems.extend(probs)
        if doc is not None:
            docs.append(doc)
    policy = _merge(docs, problems, tuple(str(f) for f in files))
    if problems:
        raise PolicyError(problems)
    assert policy is not None
    if mode_override is not None:
        policy = replace(policy, mode=mode_override)
    return policy


def _read_file(path: Path) -> tuple[Document | None, list[Problem]]:
    name = str(path)
    try:
        if path.stat().st_size > MAX_POLICY_BYTES:
            return None, [
                Problem(
                    name,
                    0,
                    f"file is larger than {MAX_POLICY_BYTES // 2**20} MiB; split it into several files",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            Problem(name, 0, f"cannot read the file ({exc.strerror}); check its path and permissions")
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(name, line, f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    problems = [
        Problem(
            name, i, "a tab is used for indentation; YAML indents with spaces, replace the tab with spaces"
        )
        for i, line in enumerate(text.splitlines(), 1)
        if line[: len(line) - len(line.lstrip(" \t"))].count("\t")
    ]
    if problems:
        return None, problems
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem(name, 1, "the file is empty; a policy starts with: version: 1")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc):
            what = 'the file holds more than one YAML document ("---"); keep one document per file'
        return None, [Problem(name, line, f"YAML syntax error: {what}; check indentation, colons and quotes")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, f"YAML error: {exc.__class__.__name__}; check the file's syntax")]
    except RecursionError:
        return None, [
            Problem(name, 1, "the YAML is nested too deeply to read; a policy needs only a few levels")
        ]
    if root is None:
        return None, [Problem(name, 1, "the file is empty; a policy starts with: version: 1")]
    reader = PolicyReader(name)
    doc = read_document(reader, root)
    return doc, reader.problems


def _merge(docs: list[Document], problems: list[Problem], files: tuple[str, ...]) -> Policy | None:
    mode: Located | None = None
    defaults: dict[str, Located] = {}
    secrets: dict[str, SecretDecl] = {}
    rules: list[Rule] = []
    id_marks: dict[str, Mark] = {}
    for doc in docs:
        if doc.mode is not None:
            if mode is not None and mode.value != doc.mode.value:
                problems.append(
                    Problem(
                        doc.file, doc.mode.mark.line, f"mode is also set at {mode.mark}; set it in one file"
                    )
                )
            mode = mode or doc.mode
        for key, loc in doc.defaults.items():
            if key in defaults:
                problems.append(
                    Problem(
                        doc.file,
                        loc.mark.line,
                        f"defaults.{key} is also set at {defaults[key].mark}; set it in one file",
                    )
                )
                continue
            defaults[key] = loc
        for decl in doc.secrets:
            if decl.name in secrets:
                problems.append(
                    Problem(
                        doc.file,
                        decl.mark.line,
                        f'secret "{decl.name}" is also declared at {secrets[decl.name].mark}; declare it once',
                    )
                )
                continue
            secrets[decl.name] = decl
        for rule_id, mark in doc.rule_ids:
            if rule_id in id_marks:
                problems.append(
                    Problem(
                        mark.file,
                        mark.line,
                        f'duplicate rule id "{rule_id}" (also at {id_marks[rule_id]}); give each rule its own id',
                    )
                )
            else:
                id_marks[rule_id] = mark
        rules.extend(r for r in doc.rules if id_marks.get(r.id) == r.mark)
    _check_secret_uses(docs, secrets, problems)
    _check_placeholders(secrets, problems)
    policy_defaults = Defaults(**{k: v.value for k, v in defaults.items()})  # type: ignore[arg-type]
    return Policy(
        mode=Mode.ENFORCE if mode is None else mode.value,  # type: ignore[arg-type]
        defaults=policy_defaults,
        secrets=secrets,
        rules=tuple(rules),
        files=files,
    )


def _covered(rule_host: HostPattern, allowed: tuple[HostPattern, ...]) -> bool:
    """Is every host `rule_host` can match also matched by one of `allowed`?"""
    for pat in allowed:
        if rule_host.exact is not None:
            if pat.exact == rule_host.exact or (pat.suffix and rule_host.exact.endswith("." + pat.suffix)):
                return True
        elif (
            pat.suffix
            and rule_host.suffix
            and (rule_host.suffix == pat.suffix or rule_host.suffix.endswith("." + pat.suffix))
        ):
            return True
    return False


def _check_secret_uses(docs: list[Document], secrets: dict[str, SecretDecl], problems: list[Problem]) -> None:
    for doc in docs:
        for name, rule, mark in doc.secret_uses:
            decl = secrets.get(name)
            if decl is None:
                known = ", ".join(sorted(secrets)) or "none declared"
                problems.append(
                    Problem(
                        mark.file,
                        mark.line,
                        f'rule "{rule.id}" injects ${{secrets.{name}}}, but no secret "{name}" is declared (known: {known}); declare it under secrets:',
                    )
                )
                continue
            outside = [h.text for h in rule.hosts if not _covered(h, decl.hosts)]
            if outside:
                allowed = ", ".join(h.text for h in decl.hosts)
                problems.append(
                    Problem(
                        mark.file,
                        mark.line,
                        f'rule "{rule.id}" would send secret "{name}" to {", ".join(outside)}, outside its hosts ({allowed}); narrow the rule\'s hosts or add them to secrets.{name}.hosts',
                    )
                )


def _check_placeholders(secrets: dict[str, SecretDecl], problems: list[Problem]) -> None:
    seen: dict[str, SecretDecl] = {}
    for decl in secrets.values():
        if decl.placeholder is None:
            continue
        if decl.placeholder in seen:
            problems.append(
                Problem(
                    decl.mark.file,
                    decl.mark.line,
                    f'placeholder of "{decl.name}" is the same as that of "{seen[decl.placeholder].name}"; give each secret its own placeholder',
                )
            )
        seen[decl.placeholder] = decl
