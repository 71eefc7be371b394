"""Read the settings from the config the Pulumi language host handed this program."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pulumi
from pulumi.runtime import config as runtime_config

from .errors import PROJECT, ConfigError
from .load import ComponentChecks, load_settings, project_config
from .locations import ConfigLocations
from .model import Settings

# The day the version policy judges against, ISO (2027-01-15); unset means today. Lets a test or a reviewer see what
# a plan on another day would say.
PLAN_DATE_VARIABLE = "AKS_CILIUM_PLAN_DATE"
# Keys (comma-separated, without prefix) whose example values the offline plan passes on purpose (offline/examples/).
# Refused under a real engine: a deployment never takes example values.
EXAMPLE_KEYS_VARIABLE = "AKS_CILIUM_PLAN_EXAMPLE_KEYS"


def plan_date_from_environment() -> date | None:
    text = os.environ.get(PLAN_DATE_VARIABLE, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise pulumi.RunError(f"{PLAN_DATE_VARIABLE}={text!r} is not an ISO date like 2027-01-15") from error


def _under_mocks() -> bool:
    """`pulumi.runtime.set_mocks` installs a MockMonitor (or a subclass) as the monitor; the engine installs a gRPC stub."""
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_monitor

    return isinstance(get_monitor(), MockMonitor)


def example_keys_from_environment() -> frozenset[str]:
    text = os.environ.get(EXAMPLE_KEYS_VARIABLE, "").strip()
    if not text:
        return frozenset()
    if not _under_mocks():
        raise pulumi.RunError(f"{EXAMPLE_KEYS_VARIABLE} is set: example values are for the offline plan only; unset it to deploy")
    return frozenset(key.strip() for key in text.split(",") if key.strip())


def settings_from_pulumi(component_checks: ComponentChecks | None = None) -> Settings:
    """The settings of the running stack; `component_checks` as for `load_settings`."""
    # The full map, not pulumi.Config lookups: keys nobody reads (typos, in this namespace or one like it) are reported.
    everything = runtime_config.CONFIG.get()
    raw = project_config(everything)
    secret_keys = frozenset(key for key in raw if runtime_config.is_config_secret(f"{PROJECT}:{key}"))
    other_keys = {key: value for key, value in everything.items() if not key.startswith(f"{PROJECT}:")}
    stack = pulumi.get_stack()
    try:
        settings = load_settings(
            raw, stack, secret_keys, plan_date_from_environment(), other_keys, component_checks, example_keys_from_environment()
        )
    except ConfigError as error:
        # Lines from the stack file in the directory the program runs in (the project's, where `pulumi up` ran); where
        # no such file is found the problems come without lines.
        raise error.located(ConfigLocations(Path.cwd(), stack).where) from None
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings
