"""The wire schema: YAML nodes (with their lines) -> policy model, collecting every problem.

Strict: unknown keys are refused at every level, shapes and values are checked, and each
problem is one `FILE:LINE: where: what is wrong; what to write instead` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from egressguard.policy.hosts import HostError, HostPattern, parse_host_pattern
from egressguard.policy.model import (
    SCANNERS,
    Action,
    BulkLimits,
    EnvSource,
    FileSource,
    HeaderInjection,
    Mark,
    Mode,
    Rule,
    SecretDecl,
    TemplatePart,
    TlsMode,
)
from egressguard.policy.paths import PathPattern, PathPatternError, parse_path_pattern
from egressguard.policy.yaml_reader import INT, STR, Reader

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_METHOD = re.compile(r"^[A-Z][A-Z0-9_-]{0,31}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
_PLACEHOLDER = re.compile(r"^[A-Za-z0-9_.\-]{8,256}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_REF = re.compile(r"\$\{secrets\.([^}]*)\}")
_ANY_REF = re.compile(r"\$\{[^}]*\}?")
_KNOWN_NON_TOKEN_METHODS = frozenset({"CONNECT"})

TOP_KEYS = ("version", "mode", "defaults", "secrets", "rules")
DEFAULT_KEYS = (
    "private_networks",
    "max_body",
    "scan",
    "approval_timeout",
    "bulk",
    "scan_limit",
    "unscannable",
    "max_pending_approvals",
)
BULK_KEYS = ("emails", "cards", "archive_bytes")
SECRET_KEYS = ("from", "hosts", "placeholder")
RULE_KEYS = (
    "id",
    "hosts",
    "ports",
    "methods",
    "paths",
    "action",
    "approval",
    "approval_timeout",
    "tls",
    "private_networks",
    "inject",
    "scan",
)


@dataclass
class Located:
    """A value plus the line it was written on."""

    value: object
    mark: Mark


@dataclass
class Document:
    """One file's contribution to a policy, before merging."""

    file: str
    mode: Located | None = None
    defaults: dict[str, Located] = field(default_factory=dict)
    secrets: list[SecretDecl] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    # secret name -> (rule id, rule host patterns, mark) for the cross-file check
    secret_uses: list[tuple[str, Rule, Mark]] = field(default_factory=list)
    # every rule id written, valid rule or not, so duplicates are reported either way
    rule_ids: list[tuple[str, Mark]] = field(default_factory=list)


class PolicyReader(Reader):
    """The policy's own pieces: hosts, methods, paths, injections, secrets."""

    def host(self, node: yaml.Node, where: str) -> HostPattern | None:
        text = self.string(node, where, 'a host name such as "api.example.com"')
        if text is None:
            return None
        try:
            return parse_host_pattern(text)
        except HostError as exc:
            self.err(node, where, f"{exc}")
            return None

    def hosts(self, node: yaml.Node, where: str) -> tuple[HostPattern, ...]:
        hosts = self.list_of(node, where, "host names", self.host)
        if isinstance(node, yaml.SequenceNode) and not node.value:
            self.err(node, where, 'the list is empty; name at least one host, e.g. ["api.example.com"]')
        return tuple(hosts)

    def scanners(self, node: yaml.Node, where: str) -> frozenset[str] | None:
        names = self.list_of(node, where, "scanners", lambda n, w: self.choice(n, w, tuple(sorted(SCANNERS))))
        return frozenset(names)

    def bulk(self, node: yaml.Node, where: str) -> BulkLimits | None:
        keys = self.mapping(node, where, BULK_KEYS)
        base = BulkLimits()
        emails = cards = archive = None
        if "emails" in keys:
            emails = self.integer(keys["emails"][1], f"{where}.emails", 1, 10**7, "a count such as 50")
        if "cards" in keys:
            cards = self.integer(keys["cards"][1], f"{where}.cards", 1, 10**7, "a count such as 10")
        if "archive_bytes" in keys:
            archive = self.size(keys["archive_bytes"][1], f"{where}.archive_bytes")
        return BulkLimits(
            emails=emails or base.emails,
            cards=cards or base.cards,
            archive_bytes=archive or base.archive_bytes,
        )

    def method(self, node: yaml.Node, where: str) -> str | None:
        text = self.string(node, where, 'an HTTP method such as "GET"')
        if text is None:
            return None
        if text in _KNOWN_NON_TOKEN_METHODS:
            self.err(node, where, "CONNECT is decided by host and port alone; remove it from methods")
            return None
        if not _METHOD.match(text):
            if _METHOD.match(text.upper()):
                self.err(
                    node, where, f'methods are case-sensitive: "{text}" never matches; write "{text.upper()}"'
                )
            else:
                self.err(node, where, f'"{text}" is not an HTTP method token; write e.g. "GET" or "POST"')
            return None
        return text

    def path(self, node: yaml.Node, where: str) -> PathPattern | None:
        text = self.string(node, where, 'a path pattern such as "/repos/acme/**"')
        if text is None:
            return None
        try:
            return parse_path_pattern(text)
        except PathPatternError as exc:
            self.err(node, where, str(exc))
            return None

    def port(self, node: yaml.Node, where: str) -> int | None:
        return self.integer(node, where, 1, 65535, "a port number from 1 to 65535")

    def inject(
        self, node: yaml.Node, where: str
    ) -> tuple[tuple[HeaderInjection, ...], list[tuple[str, yaml.Node]]]:
        """The injections and the secret names they reference (with their nodes)."""
        keys = self.mapping(node, where, ("headers",))
        if "headers" not in keys:
            if isinstance(node, yaml.MappingNode):
                self.err(
                    node,
                    where,
                    'inject needs "headers", e.g. {headers: {Authorization: "Bearer ${secrets.NAME}"}}',
                )
            return (), []
        hnode = keys["headers"][1]
        out: list[HeaderInjection] = []
        refs: list[tuple[str, yaml.Node]] = []
        if not self.visit(hnode, f"{where}.headers"):
            return (), []
        if not isinstance(hnode, yaml.MappingNode) or not hnode.value:
            self.err(
                hnode,
                f"{where}.headers",
                'expected a mapping of header name to value, e.g. {Authorization: "Bearer ${secrets.NAME}"}',
            )
            return (), []
        seen: set[str] = set()
        for knode, vnode in hnode.value:
            name = self.scalar(knode, f"{where}.headers", STR, "a header name")
            sub = f"{where}.headers.{name}"
            if name is None:
                continue
            if not _HEADER_NAME.match(name):
                self.err(knode, sub, f'"{name}" is not a valid header name; use letters, digits and "-"')
                continue
            if name.lower() in seen:
                self.err(knode, sub, f'header "{name}" is injected twice; keep one')
                continue
            seen.add(name.lower())
            value = self.scalar(vnode, sub, STR, 'a header value such as "Bearer ${secrets.NAME}"')
            if value is None:
                continue
            parts = self._template(vnode, sub, value, refs)
            if parts is not None:
                out.append(HeaderInjection(name, parts))
        return tuple(out), refs

    def _template(
        self, node: yaml.Node, where: str, value: str, refs: list[tuple[str, yaml.Node]]
    ) -> tuple[TemplatePart, ...] | None:
        if "\r" in value or "\n" in value:
            self.err(node, where, "header values cannot contain line breaks; write the value on one line")
            return None
        parts: list[TemplatePart] = []
        pos = 0
        for m in _ANY_REF.finditer(value):
            ref = _SECRET_REF.fullmatch(m.group(0))
            if ref is None or not _SECRET_NAME.match(ref.group(1)):
                self.err(node, where, f'"{m.group(0)}" is not a secret reference; write "${{secrets.NAME}}"')
                return None
            if m.start() > pos:
                parts.append(TemplatePart(text=value[pos : m.start()]))
            parts.append(TemplatePart(secret=ref.group(1)))
            refs.append((ref.group(1), node))
            pos = m.end()
        if pos < len(value):
            parts.append(TemplatePart(text=value[pos:]))
        return tuple(parts)

    def secret(self, name: str, knode: yaml.Node, node: yaml.Node, where: str) -> SecretDecl | None:
        if not _SECRET_NAME.match(name):
            self.err(knode, where, f'"{name}" is not a valid secret name; use letters, digits, "_" and "-"')
            return None
        keys = self.mapping(node, where, SECRET_KEYS)
        ok = True
        source: EnvSource | FileSource | None = None
        if "from" not in keys:
            if isinstance(node, yaml.MappingNode):
                self.err(node, where, 'missing "from"; write from: {env: VARIABLE} or from: {file: /path}')
            ok = False
        else:
            fnode = keys["from"][1]
            fkeys = self.mapping(fnode, f"{where}.from", ("env", "file"))
            if len(fkeys) != 1:
                if isinstance(fnode, yaml.MappingNode):
                    self.err(
                        fnode, f"{where}.from", "name exactly one source: {env: VARIABLE} or {file: /path}"
                    )
                ok = False
            elif "env" in fkeys:
                var = self.string(fkeys["env"][1], f"{where}.from.env", "an environment variable name")
                if var is not None and not _ENV_NAME.match(var):
                    self.err(
                        fkeys["env"][1],
                        f"{where}.from.env",
                        f'"{var}" is not an environment variable name; write e.g. GITHUB_TOKEN',
                    )
                    var = None
                source = EnvSource(var) if var else None
            else:
                path = self.string(fkeys["file"][1], f"{where}.from.file", "a file path")
                if path is not None and not path.startswith("/"):
                    self.err(
                        fkeys["file"][1],
                        f"{where}.from.file",
                        f'"{path}" is relative; write an absolute path such as /var/run/secrets/{name}/token',
                    )
                    path = None
                source = FileSource(path) if path else None
        hosts: tuple[HostPattern, ...] = ()
        if "hosts" not in keys:
            if isinstance(node, yaml.MappingNode):
                self.err(
                    node,
                    where,
                    f'missing "hosts": the only hosts this secret may be sent to, e.g. hosts: [api.{name}.com]',
                )
            ok = False
        else:
            hosts = self.hosts(keys["hosts"][1], f"{where}.hosts")
        placeholder = None
        if "placeholder" in keys:
            placeholder = self.string(keys["placeholder"][1], f"{where}.placeholder")
            if placeholder is not None and not _PLACEHOLDER.match(placeholder):
                self.err(
                    keys["placeholder"][1],
                    f"{where}.placeholder",
                    f"a placeholder needs at least 8 characters of letters, digits, '_', '-' or '.'; write e.g. EG_SECRET_{name.upper()}",
                )
                placeholder = None
        if not ok or source is None or not hosts:
            return None
        return SecretDecl(
            name=name, source=source, hosts=hosts, placeholder=placeholder, mark=self.mark(knode)
        )


def read_document(reader: PolicyReader, root: yaml.Node) -> Document:
    """Map one file's root node into a Document; problems accumulate in `reader`."""
    doc = Document(reader.file)
    top = reader.mapping(root, "", TOP_KEYS)
    if not isinstance(root, yaml.MappingNode):
        return doc
    if "version" not in top:
        reader.err(root, "", 'missing "version"; start the file with: version: 1')
    else:
        vnode = top["version"][1]
        if not (isinstance(vnode, yaml.ScalarNode) and vnode.tag == INT and vnode.value == "1"):
            reader.visit(vnode, "version")
            reader.err(
                vnode,
                "version",
                f"unsupported version {vnode.value if isinstance(vnode, yaml.ScalarNode) else '?'!r}; write: version: 1",
            )
    if "mode" in top:
        mode = reader.choice(top["mode"][1], "mode", tuple(m.value for m in Mode))
        if mode is not None:
            doc.mode = Located(Mode(mode), reader.mark(top["mode"][1]))
    if "defaults" in top:
        _read_defaults(reader, top["defaults"][1], doc)
    if "secrets" in top:
        snode = top["secrets"][1]
        if reader.visit(snode, "secrets"):
            if not isinstance(snode, yaml.MappingNode):
                reader.err(
                    snode, "secrets", "expected a mapping of secret name to {from, hosts, placeholder}"
                )
            else:
                seen: dict[str, int] = {}
                for knode, vnode in snode.value:
                    name = reader.scalar(knode, "secrets", STR, "a secret name")
                    if name is None:
                        continue
                    if name in seen:
                        reader.err(
                            knode,
                            f"secrets.{name}",
                            f'duplicate secret "{name}" (first on line {seen[name]}); keep one',
                        )
                        continue
                    seen[name] = knode.start_mark.line + 1
                    decl = reader.secret(name, knode, vnode, f"secrets.{name}")
                    if decl is not None:
                        doc.secrets.append(decl)
    if "rules" in top:
        for i, rnode in enumerate(reader.seq(top["rules"][1], "rules", "rules")):
            rule = _read_rule(reader, rnode, f"rules[{i}]", doc)
            if rule is not None:
                doc.rules.append(rule)
    return doc


def _read_defaults(reader: PolicyReader, node: yaml.Node, doc: Document) -> None:
    keys = reader.mapping(node, "defaults", DEFAULT_KEYS)
    for key, (_knode, vnode) in keys.items():
        where = f"defaults.{key}"
        value: object | None
        if key == "private_networks":
            choice = reader.choice(vnode, where, ("deny", "allow"))
            value = None if choice is None else choice == "allow"
        elif key in ("max_body", "scan_limit"):
            value = reader.size(vnode, where)
        elif key == "scan":
            value = reader.scanners(vnode, where)
        elif key == "approval_timeout":
            value = reader.duration(vnode, where)
        elif key == "bulk":
            value = reader.bulk(vnode, where)
        elif key == "max_pending_approvals":
            value = reader.integer(vnode, where, 1, 100_000, "a count such as 100")
        else:  # unscannable
            choice = reader.choice(vnode, where, ("deny", "allow"))
            value = None if choice is None else Action(choice)
        if value is not None:
            doc.defaults[key] = Located(value, reader.mark(vnode))


def _read_rule(reader: PolicyReader, node: yaml.Node, where: str, doc: Document) -> Rule | None:
    keys = reader.mapping(node, where, RULE_KEYS)
    if not isinstance(node, yaml.MappingNode):
        return None
    ok = True
    rule_id = None
    if "id" not in keys:
        reader.err(node, where, 'missing "id"; give the rule a short unique name, e.g. id: pypi')
        ok = False
    else:
        rule_id = reader.string(keys["id"][1], f"{where}.id", "a rule id")
        if rule_id is not None and not _RULE_ID.match(rule_id):
            reader.err(
                keys["id"][1],
                f"{where}.id",
                f'"{rule_id}" is not a valid id; use letters, digits, ".", "_" and "-" (at most 64)',
            )
            rule_id = None
        ok = ok and rule_id is not None
    label = f"{where} ({rule_id})" if rule_id else where
    if rule_id is not None:
        doc.rule_ids.append((rule_id, reader.mark(node)))
    hosts: tuple[HostPattern, ...] = ()
    if "hosts" not in keys:
        reader.err(
            node, label, 'missing "hosts"; list the hosts this rule is about, e.g. hosts: [api.example.com]'
        )
        ok = False
    else:
        hosts = reader.hosts(keys["hosts"][1], f"{label}.hosts")
        ok = ok and bool(hosts)
    fields: dict[str, object] = {}
    if "ports" in keys:
        ports = reader.list_of(keys["ports"][1], f"{label}.ports", "port numbers", reader.port)
        fields["ports"] = frozenset(ports)
        if isinstance(keys["ports"][1], yaml.SequenceNode) and not keys["ports"][1].value:
            reader.err(
                keys["ports"][1],
                f"{label}.ports",
                "the list is empty; list ports such as [443, 8443] or remove the key",
            )
    if "methods" in keys:
        methods = reader.list_of(keys["methods"][1], f"{label}.methods", '"GET"', reader.method)
        fields["methods"] = frozenset(methods)
        if isinstance(keys["methods"][1], yaml.SequenceNode) and not keys["methods"][1].value:
            reader.err(
                keys["methods"][1],
                f"{label}.methods",
                "the list is empty; list methods such as [GET, POST] or remove the key",
            )
    if "paths" in keys:
        fields["paths"] = tuple(reader.list_of(keys["paths"][1], f"{label}.paths", '"/path/**"', reader.path))
        if isinstance(keys["paths"][1], yaml.SequenceNode) and not keys["paths"][1].value:
            reader.err(
                keys["paths"][1],
                f"{label}.paths",
                'the list is empty; list paths such as ["/api/**"] or remove the key',
            )
    if "action" in keys:
        action = reader.choice(keys["action"][1], f"{label}.action", ("allow", "deny"))
        if action is not None:
            fields["action"] = Action(action)
    if "approval" in keys:
        approval = reader.choice(keys["approval"][1], f"{label}.approval", ("required", "none"))
        if approval is not None:
            fields["approval"] = approval == "required"
    if "approval_timeout" in keys:
        timeout = reader.duration(keys["approval_timeout"][1], f"{label}.approval_timeout")
        if timeout is not None:
            fields["approval_timeout"] = timeout
    if "tls" in keys:
        tls = reader.choice(keys["tls"][1], f"{label}.tls", ("intercept", "passthrough"))
        if tls is not None:
            fields["tls"] = TlsMode(tls)
    if "private_networks" in keys:
        pn = reader.choice(keys["private_networks"][1], f"{label}.private_networks", ("deny", "allow"))
        if pn is not None:
            fields["private_networks"] = pn == "allow"
    refs: list[tuple[str, yaml.Node]] = []
    if "inject" in keys:
        fields["inject"], refs = reader.inject(keys["inject"][1], f"{label}.inject")
    if "scan" in keys:
        fields["scan"] = reader.scanners(keys["scan"][1], f"{label}.scan")
    # Combinations that cannot work: say so rather than silently ignore a key.
    if fields.get("tls") is TlsMode.PASSTHROUGH:
        for key in ("methods", "paths", "inject", "approval", "scan"):
            if key in keys:
                reader.err(
                    keys[key][0],
                    f"{label}.{key}",
                    f'"{key}" needs to see inside TLS, but tls: passthrough does not; remove "{key}" or use tls: intercept',
                )
    if fields.get("action") is Action.DENY:
        for key in ("inject", "approval", "approval_timeout"):
            if key in keys:
                reader.err(
                    keys[key][0],
                    f"{label}.{key}",
                    f'a deny rule never sends anything, so "{key}" has no effect; remove it',
                )
    if "approval_timeout" in keys and not fields.get("approval"):
        reader.err(
            keys["approval_timeout"][0],
            f"{label}.approval_timeout",
            "approval_timeout needs approval: required on the same rule",
        )
    if not ok or rule_id is None:
        return None
    rule = Rule(id=rule_id, hosts=hosts, mark=reader.mark(node), **fields)  # type: ignore[arg-type]
    for secret, rnode in refs:
        doc.secret_uses.append((secret, rule, reader.mark(rnode)))
    return rule
