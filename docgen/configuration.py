"""The configuration reference: every key Pulumi.yaml declares, grouped by the file's own section comments."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from offline.stack_config import project_declarations

from .markdown import HEADER, code, table

# Pulumi.yaml groups its keys under comments such as `  # --- cluster ----`; keys before the first one are general.
_SECTION = re.compile(r"^  # -+ (?P<title>.+?) -+\s*$")
_KEY = re.compile(r"^  (?P<key>[A-Za-z0-9_.-]+:[A-Za-z0-9_]+):\s*$")


def _sections(text: str) -> dict[str, str]:
    """Full key -> the title of the section comment above it."""
    title, found = "general", {}
    for line in text.splitlines():
        if section := _SECTION.match(line):
            title = section["title"]
        elif key := _KEY.match(line):
            found[key["key"]] = title
    return found


def _default(value: Any) -> str:
    if value == "":
        return '`""`'
    return code(value if isinstance(value, str) else json.dumps(value))


def _type(declaration: dict[str, Any]) -> str:
    items = declaration.get("items")
    if declaration.get("type") == "array" and isinstance(items, dict) and "type" in items:
        return f"array of {items['type']}"
    return str(declaration.get("type", ""))


def render(project_dir: Path) -> str:
    name, declared = project_declarations(project_dir)
    sections = _sections((project_dir / "Pulumi.yaml").read_text())
    grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for key, declaration in declared.items():
        grouped.setdefault(sections.get(key, "general"), []).append((key, declaration))
    lines = [
        HEADER.format(source="Pulumi.yaml"),
        "",
        "# Configuration reference",
        "",
        f"Every key of the `{name}` project, as `Pulumi.yaml` declares it: its type, its default and what it does.",
        "A stack file (`Pulumi.<stack>.yaml`) overrides a default; a key without a namespace there belongs to the project.",
        "How values are checked, and the rules across keys: [Configuration](../configuration.md).",
    ]
    for title, entries in grouped.items():
        lines += ["", f"## {title[:1].upper()}{title[1:]}", ""]
        lines += table(
            ("key", "type", "default", "what it does"),
            ((code(key.split(":", 1)[1]), _type(d), _default(d.get("default", "")), str(d.get("description", ""))) for key, d in entries),
        )
    return "\n".join(lines) + "\n"
