"""Pulumi.yaml and the settings parser agree on every config key (the reference page is generated from Pulumi.yaml)."""

from __future__ import annotations

from pathlib import Path

from offline.stack_config import load_stack_config, project_declarations
from stack_settings import tenants
from stack_settings.load import load_settings, project_config
from stack_settings.reader import ConfigReader


def test_every_declared_key_has_a_type_description_and_default(project_dir: Path) -> None:
    name, declared = project_declarations(project_dir)
    assert name == "aks-cilium"
    for key, declaration in declared.items():
        assert key.startswith("aks-cilium:"), key
        assert declaration.get("type") in {"string", "integer", "boolean", "array"}, key
        assert declaration.get("description"), key
        assert "default" in declaration, key


def test_parser_reads_exactly_the_declared_keys(monkeypatch) -> None:
    read: set[str] = set()
    original = ConfigReader.raise_if_failed

    def spy(self: ConfigReader) -> None:
        read.update(self.read_keys)
        original(self)

    monkeypatch.setattr(ConfigReader, "raise_if_failed", spy)
    config = load_stack_config("dev")
    load_settings(project_config(config.values), "dev")
    _, declared = project_declarations()
    # Structured config Pulumi.yaml cannot declare, and the flat keys read only to be refused (stack_settings/tenants.py).
    undeclared = {tenants.KEY, *tenants.LEGACY_KEYS}
    assert read == {key.split(":", 1)[1] for key in declared} | undeclared
