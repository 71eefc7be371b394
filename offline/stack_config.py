"""Stack configuration as the Pulumi CLI would hand it to the program: Pulumi.yaml defaults + Pulumi.<stack>.yaml.

The files are decoded as the CLI decodes them (`offline.stack_yaml`), and every stack value of a key the project
declares with a `type` is checked the way the CLI checks it before the program starts: `pulumi/pulumi`
`sdk/go/common/workspace/project.go` `ValidateConfigValue` (a string must be a string; an integer a whole number
or a string that parses as one; a boolean `true`/`false` or the strings "true"/"false"; an array a list whose items
pass for `items`), called from `pkg/workspace/config.go` (`mergeConfig`, `validateStackConfigValue`) on the value as
the program would receive it. Keys are parsed as `config.ParseKey` parses them, after `workspace/loaders.go`
(`stackConfigNamespacedWithProject`) has put a key without a namespace into the project's.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack_settings.errors import ConfigProblem

from .stack_yaml import Located, StackFileError, StackYaml, go_json

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
    type_problems: tuple[ConfigProblem, ...] = ()
    """Values the CLI would refuse for their declared type. The CLI stops at them; the offline plan reports them
    together with the program's own problems, so that one run shows every mistake."""
    project_dir: Path = PROJECT_DIR
    example_keys: tuple[str, ...] = ()
    """Full keys whose values come from an examples file (offline/examples/), for the offline plan only."""

    @property
    def tier(self) -> str:
        """The tier the stack declares (`aks-cilium:tier`, Pulumi.yaml's default when it declares none)."""
        return self.values.get(f"{self.project}:tier", "prod")


def secret_env_name(key: str) -> str:
    """`aks-cilium:spnSecret` -> `PULUMI_CONFIG_AKS_CILIUM_SPN_SECRET`."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key.replace(":", "_").replace("-", "_"))
    return f"PULUMI_CONFIG_{words.upper()}"


def _default_string(value: Any) -> str:
    # pkg/workspace/config.go `createConfigValue`: a string, int or bool default is formatted with %v (Go writes a
    # bool as true/false), anything else (a float, list or map) is marshalled to JSON.
    if isinstance(value, str):
        return value
    return go_json(value)


def parse_config_key(key: str, project: str) -> str:
    """The full key the CLI makes of a config key: `pkg/workspace/config.go` `parseConfigKey` (and, for a stack file,
    `workspace/loaders.go` `stackConfigNamespacedWithProject`) puts a key without `:` into the project's namespace;
    `sdk/go/common/resource/config/key.go` `ParseKey` takes `<namespace>:<name>`, or the old
    `<namespace>:config:<name>`, and refuses anything else."""
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 2:
        return key
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    raise StackFileError(f"could not parse {key} as a configuration key (configuration keys should be of the form `<namespace>:<name>`)")


_GO_ATOI = re.compile(r"^[+-]?[0-9]+\Z")


def cli_accepts(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """project.go `ValidateConfigValue`, for a value as the CLI holds it (a string, or a decoded list/map)."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        # strconv.Atoi: decimal digits with an optional sign, within Go's 64-bit int.
        return isinstance(value, str) and bool(_GO_ATOI.match(value)) and -(2**63) <= int(value) < 2**63
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
    name = str(project["name"])
    return name, {parse_config_key(key, name): declaration for key, declaration in config.items()}


def _stack_values(stack_file: Path, project: str) -> dict[str, Located]:
    document = StackYaml(stack_file)
    top = document.mapping(document.root, stack_file.name)
    if "config" not in top:
        return {}
    _, config_node = top["config"]
    entries = document.mapping(config_node, "config")
    values: dict[str, Located] = {}
    written: dict[str, str] = {}
    for key, (key_node, value_node) in entries.items():
        try:
            full_key = parse_config_key(key, project)
        except StackFileError as error:
            raise document.fail(key_node, str(error)) from None
        if full_key in written:
            # The CLI keeps one of the two, whichever its map iteration meets last: refuse rather than guess.
            raise document.fail(key_node, f"{key!r} and {written[full_key]!r} are the same key {full_key}; keep one")
        written[full_key] = key
        values[full_key] = document.config_value(value_node, full_key)
    return values


def _is_secure(value: Any) -> bool:
    """`config/value.go` isSecureValue: an object whose only key is `secure`, with a string."""
    return isinstance(value, dict) and set(value) == {"secure"} and isinstance(value["secure"], str)


def _holds_secure(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_secure(item) or _holds_secure(item) for item in value)
    if isinstance(value, dict):
        return any(_is_secure(item) or _holds_secure(item) for item in value.values())
    return False


def _default(declaration: Mapping[str, Any]) -> Any:
    """mergeConfig: a declaration's `default` wins over its `value`; either fills a key the stack does not set."""
    return declaration.get("default", declaration.get("value"))


def _check_required(stack: str, project: str, declared: Mapping[str, Any], stack_values: Mapping[str, Located]) -> None:
    """mergeConfig: a key of the project's own namespace with neither default nor value must be set by the stack."""
    missing = sorted(
        key
        for key, declaration in declared.items()
        if key.split(":")[0] == project and key not in stack_values and _default(declaration) is None
    )
    if missing:
        plural = "values" if len(missing) > 1 else "value"
        raise StackConfigError(f"Stack '{stack}' is missing configuration {plural} {', '.join(repr(k) for k in missing)}")


EXAMPLES_DIR = PROJECT_DIR / "offline" / "examples"


def shipped_examples(stack: str) -> Path | None:
    """The examples file the repository ships for `stack` (offline/examples/<stack>.yaml), if any."""
    path = EXAMPLES_DIR / f"{stack}.yaml"
    return path if path.is_file() else None


def load_stack_config(
    stack: str, project_dir: Path = PROJECT_DIR, environ: Mapping[str, str] = os.environ, examples: Path | None = None
) -> StackConfig:
    """`examples`: a file shaped like a stack file whose values fill keys the stack file leaves unset, each marked as an
    example; the program accepts them only under the offline plan (stack_settings/deploy_rules.py)."""
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackConfigError(f"no stack file {stack_file.name}; known stacks: {', '.join(known)}")
    try:
        project, declared = project_declarations(project_dir)
        stack_values = _stack_values(stack_file, project)
        example_values = _stack_values(examples, project) if examples is not None else {}
    except StackFileError as error:
        raise StackConfigError(str(error)) from None
    except OSError as error:
        raise StackConfigError(f"examples file {examples}: {error.strerror}") from None
    overlap = sorted(set(example_values) & set(stack_values))
    if overlap:
        raise StackConfigError(f"{examples}: {', '.join(overlap)} is set in {stack_file.name} too; an example only fills an unset key")
    stack_values = {**stack_values, **example_values}
    _check_required(stack, project, declared, stack_values)
    values = {key: _default_string(_default(decl)) for key, decl in declared.items() if _default(decl) is not None}
    secret_keys = [key for key, decl in declared.items() if decl.get("secret")]
    type_problems: list[ConfigProblem] = []
    for key, located in sorted(stack_values.items()):
        declaration = declared.get(key, {})
        value = located.value
        if _is_secure(value) or _holds_secure(value):
            # A secure value, or an object with secure items as `pulumi config set --secret --path 'key[0]'` writes
            # it: validateStackConfigValue checks the decrypted value (`stackValue.Value(dec)`, for an object the JSON
            # of the whole value, `pkg/workspace/config.go`), so an array of secure items is an array of strings.
            env_name = secret_env_name(key)
            if env_name not in environ:
                what = "is encrypted" if _is_secure(value) else "holds encrypted items"
                whole = "its value" if _is_secure(value) else 'its whole decrypted value as JSON (for example ["a", "b"])'
                raise StackConfigError(
                    f"{key} {what} in {stack_file.name} and only the Pulumi CLI can decrypt it; "
                    f"for the offline plan pass {whole} in the environment variable {env_name}"
                )
            text = environ[env_name]
            is_object = not _is_secure(value)
            if is_object:
                try:
                    json.loads(text)
                except ValueError:
                    raise StackConfigError(
                        f"{env_name} must hold the decrypted value of {key} as JSON (a list or object), and it does not"
                    ) from None
            located = Located(json.loads(text) if is_object else text, located.line, text, is_object=is_object)
            secret_keys.append(key)
        elif declaration.get("secret"):
            raise StackConfigError(
                f"{stack_file.name}:{located.line}: Stack '{stack}' with configuration key '{key}' must be encrypted "
                f"as it's secret (set it with `pulumi config set --secret`)"
            )
        # validateStackConfigValue: the string the program gets, parsed back from JSON when it is an object.
        as_received = json.loads(located.text) if located.is_object else located.text
        if "type" in declaration and not cli_accepts(declaration["type"], declaration.get("items"), as_received):
            shown = "its value" if key in secret_keys else repr(located.text)
            problem = (
                f"must be of type '{_type_name(declaration)}' as Pulumi.yaml declares it, and {shown} is not "
                "(the Pulumi CLI refuses it the same way; a boolean is true or false, an integer a whole number)"
            )
            example = _default_string(_default(declaration)) if _default(declaration) is not None else "<value>"
            short = key.removeprefix(f"{project}:")
            fix = f"pulumi config rm {key}  # back to the default, {example}"
            type_problems.append(ConfigProblem(short, problem, fix, where=f"{stack_file.name}:{located.line}"))
        values[key] = located.text
    examples_found = tuple(sorted(example_values))
    return StackConfig(project, stack, values, tuple(sorted(set(secret_keys))), tuple(type_problems), project_dir, examples_found)
