"""The per-namespace network policy model in stack config: `aks-cilium:namespaces`, one object per managed namespace.

Pulumi structured config: the stack file holds a map, the program receives it as JSON. Pulumi.yaml cannot declare an
object type (`pulumi/pulumi` `sdk/go/common/workspace/project.json`, simpleConfigType: string, integer, boolean,
array), so the key is not declared there; this module is its declaration: shape, defaults, and the translation onto
the library's NamespacePolicyArgs, whose own rules (aks_cilium/network_policy/args.py) are then applied with the config
path of each value.

Extension point: a new per-namespace setting is one entry in NAMESPACE_KEYS (config name -> args name) and a field
of NamespacePolicyArgs; settings that are not policy can read `raw_namespaces` of PolicySettings.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from typing import Any

from aks_cilium.network_policy.args import PeerContext, namespace_entry_problems
from aks_cilium.network_policy.component import NamespacePolicyArgs, PortArgs

from .reader import ConfigReader

KEY = "namespaces"
# Config name -> NamespacePolicyArgs name, for the keys of one namespace's object.
NAMESPACE_KEYS = {
    "intraNamespace": "intra_namespace",
    "ingress": "ingress",
    "egress": "egress",
    "webhookPorts": "webhook_ports",
    "metadataEndpoints": "metadata_endpoints",
}
# Config name -> args name, for the keys of one ingress or egress allowance.
ALLOW_KEYS = {
    "ingress": {"namespace": "namespace", "outside": "outside", "ports": "ports"},
    "egress": {
        "namespace": "namespace",
        "apiServer": "api_server",
        "cidr": "cidr",
        "except": "except_cidrs",
        "fqdn": "fqdn",
        "ports": "ports",
    },
}
# A valid value of the key, set through the CLI's --path form (an object cannot be set as a whole from the command line).
EXAMPLE = "pulumi config set --path 'namespaces.payments.intraNamespace' true"
_PORT_TEXT = re.compile(r"^(?P<port>[0-9]{1,5})(/(?P<protocol>[A-Za-z]+))?$")
# The flat keys of earlier releases, refused with their translation (docs/network-policy.md, "From the flat keys").
LEGACY_KEYS = ("namespaceAllowFrom", "fqdnAllowlist", "webhookPorts", "metadataEndpointNamespaces")


# Args name -> config name, for every key of a namespace's object and of its allowances.
_CONFIG_NAMES = {args: config for keys in ALLOW_KEYS.values() for config, args in keys.items()} | {
    args: config for config, args in NAMESPACE_KEYS.items()
}


def config_path(args_path: str) -> str:
    """`ingress[0].except_cidrs[1]` -> `ingress[0].except[1]`: an args path spelled as in the stack file."""
    return re.sub(r"[a-z_]+", lambda m: _CONFIG_NAMES.get(m.group(0), m.group(0)), args_path)


def config_text(problem: str) -> str:
    """The library's problem with the args it names in backticks (`` `metadata_endpoints: true` ``) spelled as in the
    stack file (`` `metadataEndpoints: true` ``)."""
    return re.sub(r"`([a-z_]+)", lambda m: f"`{_CONFIG_NAMES.get(m.group(1), m.group(1))}", problem)


def _port(text: object) -> PortArgs | str:
    """`443`, `"443"` or `"53/UDP"` as PortArgs, or why not."""
    if isinstance(text, int) and not isinstance(text, bool):
        return PortArgs(port=text)
    match = _PORT_TEXT.match(text) if isinstance(text, str) else None
    if match is None:
        return f'{text!r} is not a port like 443 or "53/UDP"'
    port = PortArgs(port=int(match["port"]))
    if match["protocol"]:
        port["protocol"] = match["protocol"].upper()
    return port


class _Translation:
    def __init__(self, reader: ConfigReader) -> None:
        self.reader = reader

    def fail(self, path: str, problem: str) -> None:
        fail_at(self.reader, path, problem)

    def allow(self, path: str, direction: str, raw: object) -> dict[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.fail(path, "must be a mapping such as {namespace: frontend, ports: [8080]}")
            return None
        keys = ALLOW_KEYS[direction]
        args: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in keys:
                self.fail(f"{path}.{key}", f"is not a key of an {direction} allowance ({', '.join(keys)})")
            elif key == "ports":
                args["ports"] = self.ports(f"{path}.ports", value)
            elif key == "except" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                self.fail(f"{path}.except", "must be a list of CIDRs")
            else:
                args[keys[key]] = value
        return args

    def ports(self, path: str, raw: object) -> list[PortArgs]:
        if not isinstance(raw, list):
            self.fail(path, 'must be a list of ports, such as [443] or ["53/UDP"]')
            return []
        ports = []
        for index, text in enumerate(raw):
            port = _port(text)
            if isinstance(port, str):
                self.fail(f"{path}[{index}]", port)
            else:
                ports.append(port)
        return ports

    def namespace(self, name: str, raw: object) -> NamespacePolicyArgs:
        entry = NamespacePolicyArgs(name=name)
        if raw is None:
            return entry
        if not isinstance(raw, Mapping):
            self.fail(name, "must be a mapping of the namespace's settings (or empty for the baseline alone)")
            return entry
        for key, value in raw.items():
            path = f"{name}.{key}"
            if key == "workloadIdentity":
                continue  # the team's Azure identity, not policy: stack_settings/identities.py
            if key not in NAMESPACE_KEYS:
                self.fail(path, f"is not a setting of a namespace ({', '.join(NAMESPACE_KEYS)}, workloadIdentity)")
            elif key in ("ingress", "egress"):
                if not isinstance(value, list):
                    self.fail(path, "must be a list of allowances")
                    continue
                allowances = (self.allow(f"{path}[{i}]", key, item) for i, item in enumerate(value))
                entry[key] = [a for a in allowances if a is not None]  # type: ignore[literal-required]
            elif key == "webhookPorts":
                entry["webhook_ports"] = [p["port"] for p in self.ports(path, value)]
            elif not isinstance(value, bool):
                self.fail(path, f"{value!r} is not a boolean (true or false)")
            else:
                entry[NAMESPACE_KEYS[key]] = value  # type: ignore[literal-required]
        return entry


# An allowance's ports, or one of them: `payments.egress[0].ports`, `...ports[1]`, `...ports[1].port`.
_ALLOWANCE_PORT = re.compile(r"^(?P<ports>.+\.(?:ingress|egress)\[[0-9]+\]\.ports)(?:\[(?P<index>[0-9]+)\](?:\.\w+)?)?$")


def fail_at(reader: ConfigReader, where: str, problem: str, involves: tuple[str, ...] = ()) -> None:
    """A problem at `where` inside the value (`payments.egress[0].fqdn`); removing that item is a valid fix that only
    narrows, and the stack file's own line says what it held. Not for an allowance's ports: without them the allowance
    opens every port, so the fix sets one."""
    ports = _ALLOWANCE_PORT.match(where)
    if ports:
        item = f"{KEY}.{ports['ports']}[{ports['index'] or 0}]"
        fix = f"pulumi config set --path {shlex.quote(item)} '<port, like 443 or 53/UDP>'"
    else:
        item = re.sub(r"\.(port|protocol|namespace|outside|cidr|fqdn|apiServer)$", "", where)
        fix = f"pulumi config rm --path {shlex.quote(f'{KEY}.{item}')}"
    reader.fail(KEY, problem, fix, path=f".{where}", involves=involves, unit=entry_unit(re.split(r"[.\[]", where, maxsplit=1)[0]))


def entry_unit(name: str) -> str:
    """What a problem found while reading one namespace's settings makes unreadable: that namespace alone. Its name
    (a key of the map) still reads, so rules over the other namespaces, and over the set of names, still run."""
    return f"{KEY}.{name}"


def read_namespaces(reader: ConfigReader) -> tuple[NamespacePolicyArgs, ...]:
    """The managed namespaces as the library's args; shape problems are recorded against the key."""
    text = reader.undeclared(KEY) or ""
    if text.strip() in ("", "{}"):
        return ()
    try:
        parsed: Any = json.loads(text)
    except json.JSONDecodeError:
        reader.fail(KEY, "is not a map of namespace name to its settings", EXAMPLE)
        return ()
    if isinstance(parsed, list):
        # The flat list of earlier releases: refused with the new form, together with the other flat keys.
        return ()
    if not isinstance(parsed, dict):
        reader.fail(KEY, "must be a map of namespace name to its settings", EXAMPLE)
        return ()
    translation = _Translation(reader)
    return tuple(translation.namespace(name, raw) for name, raw in parsed.items())


def check_namespaces(
    reader: ConfigReader, namespaces: tuple[NamespacePolicyArgs, ...], contexts: tuple[PeerContext, ...], context_keys: tuple[str, ...]
) -> None:
    """The library's rules for each namespace, reported against `namespaces` with the path in the stack file.

    A problem is reported when every context in `contexts` finds it: the caller passes each context an unreadable mode
    key may stand for, so a rule that does not read the mode still runs. The rules also read `context_keys` and the
    entry itself: none is judged while one of those is unreadable (a stand-in), and only that entry is skipped."""
    for entry in namespaces:
        found = [set(namespace_entry_problems(entry, context)) for context in contexts]
        for path, problem in namespace_entry_problems(entry, contexts[0]):
            if all((path, problem) in each for each in found[1:]):
                where = entry["name"] if path == "name" else f"{entry['name']}.{config_path(path)}"
                fail_at(reader, where, config_text(problem), (*context_keys, entry_unit(entry["name"])))


def _legacy_values(reader: ConfigReader) -> dict[str, list[str]]:
    values = {}
    for key in (KEY, *LEGACY_KEYS):
        text = reader.undeclared(key)
        if text is None:
            continue
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, list) and parsed:
            values[key] = [str(item) for item in parsed]
    return values


def translate_flat_keys(flat: Mapping[str, list[str]]) -> dict[str, dict[str, Any]]:
    """The per-namespace form of the flat keys, meaning what they meant: allow-from on all ports, FQDNs on 80/443."""
    model: dict[str, dict[str, Any]] = {name: {} for name in flat.get(KEY, [])}

    def of(name: str) -> dict[str, Any]:
        return model.setdefault(name, {})

    for pair in flat.get("namespaceAllowFrom", []):
        target, _, source = pair.partition(":")
        of(target).setdefault("ingress", []).append({"namespace": source})
    for pair in flat.get("fqdnAllowlist", []):
        namespace, _, name = pair.partition(":")
        of(namespace).setdefault("egress", []).append({"fqdn": name, "ports": [443, 80]})
    for pair in flat.get("webhookPorts", []):
        namespace, _, port = pair.partition(":")
        of(namespace).setdefault("webhookPorts", []).append(int(port) if port.isdigit() else port)
    for namespace in flat.get("metadataEndpointNamespaces", []):
        of(namespace)["metadataEndpoints"] = True
    return model


def refuse_flat_keys(reader: ConfigReader) -> None:
    """Every flat policy key that is set, refused once, with the equivalent `namespaces` block to paste."""
    flat = _legacy_values(reader)
    if not flat:
        return
    block = json.dumps(translate_flat_keys(flat), indent=2)
    keys = ", ".join(f"aks-cilium:{key}" for key in flat)
    for key in flat:
        reader.fail(
            key,
            f"is a flat policy key of earlier releases; the stack file now declares one object per namespace under "
            f"aks-cilium:namespaces (docs/network-policy.md). Replace {keys} with this (YAML accepts it as written):\n"
            f"aks-cilium:namespaces: {block}",
            f"pulumi config rm aks-cilium:{key}",
        )
