"""Read the settings from the config the Pulumi language host handed this program."""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as runtime_config

from .errors import PROJECT
from .load import load_settings, project_config
from .model import Settings


def settings_from_pulumi() -> Settings:
    # The full map, not pulumi.Config lookups: keys nobody reads (typos) must be reported too.
    raw = project_config(runtime_config.CONFIG.get())
    secret_keys = frozenset(key for key in raw if runtime_config.is_config_secret(f"{PROJECT}:{key}"))
    return load_settings(raw, pulumi.get_stack(), secret_keys)
