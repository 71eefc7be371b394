"""Read the settings from the config the Pulumi language host handed this program."""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as runtime_config

from .load import load_settings, project_config
from .model import Settings


def settings_from_pulumi() -> Settings:
    # The full map, not pulumi.Config lookups: keys nobody reads (typos) must be reported too.
    return load_settings(project_config(runtime_config.CONFIG.get()), pulumi.get_stack())
