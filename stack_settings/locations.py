"""Where a config value is written: the file and line of a key, or of an item inside its list or map.

The stack file sets a key; where it does not, the default in Pulumi.yaml applies, and a problem with that value points
there. Lines come from the YAML documents' own node marks, so an item of a list points at its own line. A file that
cannot be read gives no lines (the problems are still reported, without them).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import PROJECT

# libyaml's composer where PyYAML has it: the same nodes and marks (lines, columns) as the pure-Python one, about twenty
# times faster on Pulumi.yaml, which every config error reads for its defaults' lines.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STEP = re.compile(r"\[(\d+)\]|\.([^.\[]+)")


def _config_nodes(path: Path, section: str) -> dict[str, Node]:
    """Full key -> the node under `config:` (for Pulumi.yaml, the declaration's `default` node, or the declaration)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    config = _child(root, "config")
    if not isinstance(config, MappingNode):
        return {}
    nodes: dict[str, Node] = {}
    for key_node, value_node in config.value:
        if not isinstance(key_node, ScalarNode):
            continue
        key = key_node.value if ":" in key_node.value else f"{PROJECT}:{key_node.value}"
        if section == "default":
            value_node = _child(value_node, "default") or key_node
        nodes[key] = value_node
    return nodes


def _child(node: Node | None, name: str) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == name:
                return value_node
    return None


def _descend(node: Node, path: str) -> Node:
    """The deepest node `path` (`[2]`, `.payments.egress[0]`) reaches; where it stops, the last node found."""
    for index, name in _STEP.findall(path):
        if index and isinstance(node, SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
        elif name and isinstance(node, MappingNode) and _child(node, name) is not None:
            node = _child(node, name)  # type: ignore[assignment]
        else:
            break
    return node


class ConfigLocations:
    """Lines of the keys of one stack: its stack file first, then Pulumi.yaml's defaults."""

    def __init__(self, project_dir: Path, stack: str) -> None:
        self.stack_file = f"Pulumi.{stack}.yaml"
        self._stack = _config_nodes(project_dir / self.stack_file, "value")
        self._defaults = _config_nodes(project_dir / "Pulumi.yaml", "default")

    def where(self, key: str, path: str = "") -> str:
        if key in self._stack:
            return f"{self.stack_file}:{_descend(self._stack[key], path).start_mark.line + 1}"
        if key in self._defaults:
            return f"Pulumi.yaml:{_descend(self._defaults[key], path).start_mark.line + 1}"
        return ""
