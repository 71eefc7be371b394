"""Stack configuration: read once, validated, frozen."""

from .errors import ConfigError, ConfigProblem
from .load import load_settings, project_config
from .model import Settings

__all__ = ["ConfigError", "ConfigProblem", "Settings", "load_settings", "project_config"]
