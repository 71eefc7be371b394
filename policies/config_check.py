"""Checks a --policy-pack-config file before it is used: the Pulumi CLI itself ignores names it does not know.

The CLI validates only the properties of the pack's own policies (pulumi/pulumi pkg/resource/analyzer/config.go), so
a misspelt policy name, and with it the intended level, is silently dropped. Here the file is checked against
`config/schema.json`, which lists every policy and level, and against the stack's tier: the tier the stack declares
(`aks-cilium:tier` in its stack file, prod when it declares none), never its name. A prod-tier config keeps every
policy mandatory (but the advisories, advisory in every tier) and exempts nothing, and every config names the tier it
was written for (`stack-tier`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

CONFIG_DIR = Path(__file__).parent / "config"
SCHEMA_FILE = CONFIG_DIR / "schema.json"
PROJECT_DIR = Path(__file__).resolve().parent.parent
PACK_DEFAULT_LEVEL = "mandatory"
# Tiers other than dev are held to prod's levels: every policy mandatory, no exemptions (rules/tier.py likewise).
RELAXED_TIERS = ("dev",)
TIER_KEYS = ("aks-cilium:tier", "tier")
EXEMPTING_POLICIES = ("no-open-egress", "egress-coverage-per-endpoint")
# Advisory by design in every tier (rules/catalog.py): a file's `all` would raise them to mandatory, so each file names
# their level, and mandatory is refused (it would block hotfixes in a minor's last weeks).
ADVISORY_POLICIES = ("kubernetes-support-ending",)


class PolicyConfigError(ValueError):
    """A policy config file that would weaken or silently mis-configure the pack."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"policy config {path}: " + "; ".join(problems))


def policy_names(schema: dict[str, Any] | None = None) -> list[str]:
    properties = (schema or json.loads(SCHEMA_FILE.read_text()))["properties"]
    return [name for name in properties if name != "all"]


def effective_level(config: dict[str, Any], name: str) -> str:
    """The level the CLI gives a policy: its own entry, else `all`, else its own level (the pack's, or advisory)."""
    default = config.get("all", "advisory" if name in ADVISORY_POLICIES else PACK_DEFAULT_LEVEL)
    entry = config.get(name)
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and "enforcementLevel" in entry:
        return str(entry["enforcementLevel"])
    return str(default)


def declared_tier(config: dict[str, Any]) -> str:
    entry = config.get("stack-tier")
    return str(entry.get("tier", "prod")) if isinstance(entry, dict) else "prod"


def stack_file_tier(stack: str, project_dir: Path = PROJECT_DIR) -> str:
    """The tier `Pulumi.<stack>.yaml` declares; prod when the file or the key is missing or unreadable."""
    try:
        document = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text())
        config = document.get("config") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return "prod"
    tiers = [config[key] for key in TIER_KEYS if isinstance(config, dict) and key in config]
    return str(tiers[0]) if tiers else "prod"


def policy_config_problems(config: Any, tier: str) -> list[str]:
    """What is wrong with a policy config for a stack of `tier`."""
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
    if problems:
        return problems
    if declared_tier(config) != tier:
        problems.append(
            f"stack-tier declares tier {declared_tier(config)}, and the stack's tier is {tier} (aks-cilium:tier); "
            f"use a policy config written for {tier}"
        )
    problems += [
        f"{name} is mandatory; it is advisory by design (it would block every update in a minor's last 60 days), so "
        f'set "{name}": "advisory"'
        for name in ADVISORY_POLICIES
        if effective_level(config, name) == "mandatory"
    ]
    if tier not in RELAXED_TIERS:
        problems += [
            f"{name} is {level} in {tier} (the stack's tier); every policy is mandatory there, so remove the override"
            for name in names
            if name not in ADVISORY_POLICIES and (level := effective_level(config, name)) != "mandatory"
        ]
        problems += [
            f"{name} is disabled in {tier} (the stack's tier); it is advisory there, never off"
            for name in ADVISORY_POLICIES
            if effective_level(config, name) == "disabled"
        ]
        problems += [
            f"{name} exempts {', '.join(entry['exemptNamespaces'])} in a {tier}-tier stack, which allows no exemptions"
            for name in EXEMPTING_POLICIES
            if isinstance(entry := config.get(name), dict) and entry.get("exemptNamespaces")
        ]
    return problems


def load_policy_config(path: Path, tier: str) -> dict[str, Any]:
    """The config, or PolicyConfigError naming each problem."""
    if not path.is_file():
        raise PolicyConfigError(path, ["missing; create it (copy policies/config/prod.json for a stack held to prod's levels)"])
    try:
        config = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise PolicyConfigError(path, [f"not valid JSON ({error})"]) from None
    problems = policy_config_problems(config, tier)
    if problems:
        raise PolicyConfigError(path, problems)
    return dict(config)


def main(argv: list[str]) -> int:
    """`python -m policies.config_check <stack>...`: exit 2 and say why when a stack's policy config is refused."""
    failed = False
    for stack in argv:
        try:
            load_policy_config(CONFIG_DIR / f"{stack}.json", stack_file_tier(stack))
        except PolicyConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
