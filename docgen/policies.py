"""The policy reference: each rule of the pack with its scope, its level per stack and what it guards against."""

from __future__ import annotations

import json
from typing import Any

from policies.config_check import CONFIG_DIR, effective_level
from policies.rules.catalog import APPLIES_TO, POLICIES, PREVIEW_DEFERS

from .markdown import HEADER, code, table


def _stacks() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(CONFIG_DIR.glob("*.json")) if path.name != "schema.json"}


def _options(policy: Any) -> str:
    schema = getattr(policy, "config_schema", None)
    properties = getattr(schema, "properties", None) or {}
    return ", ".join(code(name) for name in properties)


def render() -> str:
    stacks = _stacks()
    headers = ("policy", "applies to", *stacks, "at preview", "config", "what it guards")
    rows = (
        (
            code(p.name),
            APPLIES_TO[p.name],
            *(effective_level(config, p.name) for config in stacks.values()),
            "advisory until the update run" if p.name in PREVIEW_DEFERS else "decides",
            _options(p),
            p.description or "",
        )
        for p in POLICIES
    )
    lines = [
        HEADER.format(source="policies/rules/catalog.py and policies/config/"),
        "",
        "# Policy reference",
        "",
        "Each policy of the pack (`policies/`), its level in each stack's `policies/config/<stack>.json`, and whether a",
        "`pulumi preview` decides it or, when the values it reads can be unknown there, reports \"can't run during",
        'preview" and leaves it to the update run. How the pack runs and is configured: [Policy pack](../policy-pack.md).',
        "",
        *table(headers, rows),
    ]
    return "\n".join(lines) + "\n"
