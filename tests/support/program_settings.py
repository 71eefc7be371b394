"""The program's config check on its own: `settings_from_pulumi(component_problems)`, __main__.py's first statement,
under the runtime config the mock engine gives a run, without the rest of the program.

A bad config stops the program at that statement, before any resource exists (tests/stack/test_settings_errors.py
runs the whole program to prove it, once per family of rules). A test of one rule needs only this step: about 0.004
CPU-s, half of a whole failed run and a small part of a failed offline plan.
"""

from __future__ import annotations

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config

from aks_cilium.testing import AzureMocks
from offline.engine import example_keys_in_environment
from offline.stack_config import StackConfig
from program.component_checks import component_problems
from stack_settings import ConfigError
from stack_settings.model import Settings
from stack_settings.runtime_source import settings_from_pulumi


def program_settings(config: StackConfig) -> Settings:
    """The settings the program reads for `config`, as `offline.engine.run_program` sets up its run; raises the
    ConfigError, with files and lines, that the program would stop with."""
    pulumi_settings.reset_options(project=config.project, stack=config.stack, preview=False)
    # The mocks' monitor is how the program knows it runs offline (stack_settings/runtime_source.py, examples).
    pulumi.runtime.set_mocks(AzureMocks(), project=config.project, stack=config.stack, preview=False)
    set_all_config(dict(config.values), list(config.secret_keys))
    with example_keys_in_environment(config):
        return settings_from_pulumi(component_problems)


def program_config_error(config: StackConfig) -> ConfigError:
    """The ConfigError the program stops with for `config`; AssertionError when it would run on."""
    try:
        program_settings(config)
    except ConfigError as error:
        return error
    raise AssertionError(f"stack {config.stack!r} was accepted")
