"""A YAML node reader that collects line-marked problems instead of raising.

Built on PyYAML's node API (every node knows its line). Shapes and scalar types are
checked strictly; each problem is one `FILE:LINE: where: what is wrong; what to write
instead` line. Knows nothing of policies: schema.py builds the policy on top of it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TypeVar

import yaml

from egressguard.errors import Problem
from egressguard.policy.model import Mark

T = TypeVar("T")

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"

_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$")
_SIZE_UNITS = {
    None: 1,
    "B": 1,
    "KB": 10**3,
    "KiB": 2**10,
    "MB": 10**6,
    "MiB": 2**20,
    "GB": 10**9,
    "GiB": 2**30,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_UNITS = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class Reader:
    """Walks one file's node tree; every check appends a Problem instead of raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    # -- plumbing ----------------------------------------------------------------------
    def mark(self, node: yaml.Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1)

    def err(self, node: yaml.Node, where: str, message: str) -> None:
        prefix = f"{where}: " if where else ""
        self.problems.append(Problem(self.file, node.start_mark.line + 1, prefix + message))

    def visit(self, node: yaml.Node, where: str) -> bool:
        if id(node) in self._seen:
            self.err(
                node, where, "YAML anchors and aliases (&name / *name) are not supported; write the value out"
            )
            return False
        self._seen.add(id(node))
        return True

    def mapping(
        self, node: yaml.Node, where: str, keys: tuple[str, ...]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not self.visit(node, where):
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.err(node, where, f"expected a mapping of keys ({', '.join(keys)}), found {kind(node)}")
            return {}
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode) or knode.tag != STR:
                self.err(knode, where, f"keys must be plain words, found {kind(knode)}")
                continue
            key = knode.value
            sub = f"{where}.{key}" if where else key
            if key in out:
                first = out[key][0].start_mark.line + 1
                self.err(knode, sub, f'duplicate key "{key}" (first set on line {first}); keep one')
                continue
            if key not in keys:
                self.err(knode, where or key, unknown_key(key, keys))
                continue
            out[key] = (knode, vnode)
        return out

    def seq(self, node: yaml.Node, where: str, what: str) -> list[yaml.Node]:
        if not self.visit(node, where):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, where, f"expected a list of {what}, found {kind(node)}; write e.g. [{what}]")
            return []
        return list(node.value)

    def scalar(self, node: yaml.Node, where: str, tag: str, what: str) -> str | None:
        if not self.visit(node, where):
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != tag:
            self.err(node, where, f"expected {what}, found {kind(node)}")
            return None
        return str(node.value)

    def string(self, node: yaml.Node, where: str, what: str = "a string") -> str | None:
        value = self.scalar(node, where, STR, what)
        if value is not None and "${" in value:
            self.err(node, where, '"${…}" references are only allowed in a rule\'s inject headers; remove it')
            return None
        return value

    def integer(self, node: yaml.Node, where: str, lo: int, hi: int, what: str) -> int | None:
        text = self.scalar(node, where, INT, what)
        if text is None:
            return None
        try:
            value = int(text.replace("_", ""), 0)
        except ValueError:
            self.err(node, where, f"{text!r} is not a whole number; write {what}")
            return None
        if not lo <= value <= hi:
            self.err(node, where, f"{value} is out of range; write {what}")
            return None
        return value

    def choice(self, node: yaml.Node, where: str, choices: tuple[str, ...]) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL:
            self.visit(node, where)
            self.err(node, where, f"{node.value!r} is a YAML boolean; write one of {alts(choices)}")
            return None
        value = self.string(node, where, f"one of {alts(choices)}")
        if value is None:
            return None
        if value not in choices:
            near = difflib.get_close_matches(value, choices, n=1)
            hint = f'did you mean "{near[0]}"? ' if near else ""
            self.err(node, where, f'"{value}" is not allowed here; {hint}write one of {alts(choices)}')
            return None
        return value

    def size(self, node: yaml.Node, where: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT:
            return self.integer(node, where, 1, 2**40, "a size such as 10MiB")
        text = self.string(node, where, "a size such as 10MiB")
        if text is None:
            return None
        m = _SIZE.match(text)
        if not m or int(m.group(1)) <= 0:
            self.err(
                node,
                where,
                f'"{text}" is not a size; write a number with a unit: B, KiB, MiB, GiB (e.g. 10MiB)',
            )
            return None
        return int(m.group(1)) * _SIZE_UNITS[m.group(2)]

    def duration(self, node: yaml.Node, where: str) -> float | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT:
            seconds = self.integer(node, where, 1, 7 * 86400, "a duration such as 5m")
            return None if seconds is None else float(seconds)
        text = self.string(node, where, "a duration such as 5m")
        if text is None:
            return None
        m = _DURATION.match(text)
        if not m or float(m.group(1)) <= 0:
            self.err(
                node, where, f'"{text}" is not a duration; write a number with a unit: ms, s, m, h (e.g. 5m)'
            )
            return None
        return float(m.group(1)) * _DURATION_UNITS[m.group(2)]

    def list_of(
        self, node: yaml.Node, where: str, what: str, item: Callable[[yaml.Node, str], T | None]
    ) -> list[T]:
        out: list[T] = []
        for i, child in enumerate(self.seq(node, where, what)):
            value = item(child, f"{where}[{i}]")
            if value is not None:
                out.append(value)
        return out


def kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "nothing (null)"
    names = {STR: "text", INT: "a number", BOOL: "a boolean", "tag:yaml.org,2002:float": "a number"}
    return f'{names.get(node.tag, "a value")} "{node.value}"'


def alts(choices: tuple[str, ...]) -> str:
    return " or ".join(f'"{c}"' for c in choices)


def unknown_key(key: str, keys: tuple[str, ...]) -> str:
    near = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    hint = f'did you mean "{near[0]}"? ' if near else ""
    return f'unknown key "{key}"; {hint}allowed keys are: {", ".join(keys)}'
