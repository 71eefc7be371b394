"""Stack configuration as the Pulumi CLI would hand it to the program: Pulumi.yaml defaults + Pulumi.<stack>.yaml."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


def secret_env_name(key: str) -> str:
    """`aks-cilium:spnSecret` -> `PULUMI_CONFIG_AKS_CILIUM_SPN_SECRET`."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key.replace(":", "_").replace("-", "_"))
    return f"PULUMI_CONFIG_{words.upper()}"


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    # The CLI hands booleans, numbers and arrays to the program as JSON text.
    return json.dumps(value)


def project_declarations(project_dir: Path = PROJECT_DIR) -> tuple[str, dict[str, dict[str, Any]]]:
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    return project["name"], project.get("config") or {}


def load_stack_config(stack: str, project_dir: Path = PROJECT_DIR, environ: Mapping[str, str] = os.environ) -> StackConfig:
    project, declared = project_declarations(project_dir)
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackConfigError(f"no stack file {stack_file.name}; known stacks: {', '.join(known)}")
    try:
        stack_values = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    except yaml.YAMLError as error:
        raise StackConfigError(f"{stack_file.name} is not valid YAML: {error}") from error
    values = {key: _as_config_string(decl["default"]) for key, decl in declared.items() if "default" in decl}
    secret_keys = [key for key, decl in declared.items() if decl.get("secret")]
    for key, value in stack_values.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            env_name = secret_env_name(key)
            if env_name not in environ:
                raise StackConfigError(
                    f"{key} is encrypted in {stack_file.name} and only the Pulumi CLI can decrypt it; "
                    f"for the offline plan pass its value in the environment variable {env_name}"
                )
            value = environ[env_name]
            secret_keys.append(key)
        values[key] = _as_config_string(value)
    return StackConfig(project=project, stack=stack, values=values, secret_keys=tuple(sorted(set(secret_keys))))
