"""Stack configuration as the Pulumi CLI would hand it to the program: Pulumi.yaml defaults + Pulumi.<stack>.yaml.

The files are decoded as the CLI decodes them (`offline.stack_yaml`), and every stack value of a key the project
declares with a `type` is checked the way the CLI checks it before the program starts: `pulumi/pulumi`
`sdk/go/common/workspace/project.go` `ValidateConfigValue` (a string must be a string; an integer a whole number
or a string that parses as one; a boolean `true`/`false` or the strings "true"/"false"; an array a list whose items
pass for `items`), called from `workspace/config.go` on the value as the program would receive it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stack_yaml import Located, StackFileError, StackYaml

PROJECT_DIR = Path(__file__).resolve().parent.parent


class StackConfigError(Exception):
    """The stack files cannot be read as the CLI would read them."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    values: dict[str, str]
    """Full keys (namespace:key) to the strings the program receives."""
    secret_keys: tuple[str, ...]
    locations: Mapping[str, str] = field(default_factory=dict)
    """Full key -> `Pulumi.<stack>.yaml:<line>` where the stack file sets it, for messages about its value."""


def secret_env_name(key: str) -> str:
    """`aks-cilium:spnSecret` -> `PULUMI_CONFIG_AKS_CILIUM_SPN_SECRET`."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key.replace(":", "_").replace("-", "_"))
    return f"PULUMI_CONFIG_{words.upper()}"


def _default_string(value: Any) -> str:
    # workspace/config.go: a primitive default is formatted with %v, anything else marshalled to JSON.
    if isinstance(value, str):
        return value
    return json.dumps(value)


_GO_ATOI = re.compile(r"^[+-]?[0-9]+$")


def cli_accepts(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """project.go `ValidateConfigValue`, for a value as the CLI holds it (a string, or a decoded list/map)."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and bool(_GO_ATOI.match(value))
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(cli_accepts(items.get("type", ""), items.get("items"), item) for item in value)


def _type_name(declaration: Mapping[str, Any]) -> str:
    items = declaration.get("items")
    return f"array<{_type_name(items)}>" if items else str(declaration.get("type"))


def project_declarations(project_dir: Path = PROJECT_DIR) -> tuple[str, dict[str, dict[str, Any]]]:
    document = StackYaml(project_dir / "Pulumi.yaml")
    project = {key: document.decode(value) for key, (_, value) in document.mapping(document.root, "Pulumi.yaml").items()}
    config = project.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError("Pulumi.yaml: config must be a map of key: declaration")
    return str(project["name"]), config


def _stack_values(stack_file: Path) -> dict[str, Located]:
    document = StackYaml(stack_file)
    top = document.mapping(document.root, stack_file.name)
    if "config" not in top:
        return {}
    _, config_node = top["config"]
    entries = document.mapping(config_node, "config")
    values: dict[str, Located] = {}
    for key, (key_node, value_node) in entries.items():
        if ":" not in key:
            raise document.fail(key_node, f"config key {key!r} is not namespace:name (e.g. aks-cilium:{key})")
        values[key] = document.config_value(value_node, key)
    return values


def load_stack_config(stack: str, project_dir: Path = PROJECT_DIR, environ: Mapping[str, str] = os.environ) -> StackConfig:
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackConfigError(f"no stack file {stack_file.name}; known stacks: {', '.join(known)}")
    try:
        project, declared = project_declarations(project_dir)
        stack_values = _stack_values(stack_file)
    except StackFileError as error:
        raise StackConfigError(str(error)) from None
    values = {key: _default_string(decl["default"]) for key, decl in declared.items() if "default" in decl}
    secret_keys = [key for key, decl in declared.items() if decl.get("secret")]
    for key, located in sorted(stack_values.items()):
        value = located.value
        if isinstance(value, dict) and set(value) == {"secure"}:
            env_name = secret_env_name(key)
            if env_name not in environ:
                raise StackConfigError(
                    f"{key} is encrypted in {stack_file.name} and only the Pulumi CLI can decrypt it; "
                    f"for the offline plan pass its value in the environment variable {env_name}"
                )
            values[key] = environ[env_name]
            secret_keys.append(key)
            continue
        as_received = located.text if located.text is not None else value
        declaration = declared.get(key, {})
        if "type" in declaration and not cli_accepts(declaration["type"], declaration.get("items"), as_received):
            shown = "its value" if declaration.get("secret") else (located.text or json.dumps(value))
            raise StackConfigError(
                f"{stack_file.name}:{located.line}: {key} must be of type '{_type_name(declaration)}' "
                f"as Pulumi.yaml declares it, and {shown} is not (the Pulumi CLI refuses it the same way; "
                f"a boolean is true or false, an integer a whole number)"
            )
        values[key] = located.text if located.text is not None else json.dumps(value)
    locations = {key: f"{stack_file.name}:{located.line}" for key, located in stack_values.items()}
    return StackConfig(project, stack, values, tuple(sorted(set(secret_keys))), locations)
