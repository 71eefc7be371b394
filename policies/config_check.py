"""Checks a --policy-pack-config file before it is used: the Pulumi CLI itself ignores names it does not know.

The CLI validates only the properties of the pack's own policies (pulumi/pulumi pkg/resource/analyzer/config.go), so
a misspelt policy name, and with it the intended level, is silently dropped. Here the file is checked against
`config/schema.json`, which lists every policy and level, and a strict stack may not lower any policy below mandatory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

CONFIG_DIR = Path(__file__).parent / "config"
SCHEMA_FILE = CONFIG_DIR / "schema.json"
# Stacks where every policy is mandatory: no rule may be switched off or downgraded to advisory there.
STRICT_STACKS = ("prod",)
PACK_DEFAULT_LEVEL = "mandatory"


class PolicyConfigError(ValueError):
    """A policy config file that would weaken or silently mis-configure the pack."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"policy config {path}: " + "; ".join(problems))


def policy_names(schema: dict[str, Any] | None = None) -> list[str]:
    properties = (schema or json.loads(SCHEMA_FILE.read_text()))["properties"]
    return [name for name in properties if name != "all"]


def effective_level(config: dict[str, Any], name: str) -> str:
    """The level the CLI gives a policy: its own entry, else `all`, else the pack's default."""
    default = config.get("all", PACK_DEFAULT_LEVEL)
    entry = config.get(name)
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and "enforcementLevel" in entry:
        return str(entry["enforcementLevel"])
    return str(default)


def policy_config_problems(config: Any, stack: str) -> list[str]:
    schema = json.loads(SCHEMA_FILE.read_text())
    names = policy_names(schema)
    if not isinstance(config, dict):
        return ["the file must hold a JSON object of policy names"]
    problems = [
        f"unknown policy {key!r}; the pack's policies are {', '.join(names)} (or 'all')"
        for key in config
        if key not in schema["properties"]
    ]
    for error in Draft7Validator(schema).iter_errors(config):
        if error.validator == "additionalProperties" and not error.absolute_path:
            continue  # reported above, with the names that exist
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    if stack in STRICT_STACKS and not problems:
        problems += [
            f"{name} is {level} in {stack}; every policy is mandatory in {stack}, so remove the override"
            for name in names
            if (level := effective_level(config, name)) != "mandatory"
        ]
    return problems


def load_policy_config(path: Path, stack: str) -> dict[str, Any]:
    """The config, or PolicyConfigError naming each problem."""
    if not path.is_file():
        raise PolicyConfigError(path, ["missing; create it (copy policies/config/prod.json for a stack held to prod's levels)"])
    try:
        config = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise PolicyConfigError(path, [f"not valid JSON ({error})"]) from None
    problems = policy_config_problems(config, stack)
    if problems:
        raise PolicyConfigError(path, problems)
    return dict(config)


def main(argv: list[str]) -> int:
    """`python -m policies.config_check <stack>...`: exit 2 and say why when a stack's policy config is refused."""
    failed = False
    for stack in argv:
        try:
            load_policy_config(CONFIG_DIR / f"{stack}.json", stack)
        except PolicyConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
