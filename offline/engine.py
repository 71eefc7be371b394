"""The stack program under the mock engine: the real __main__.py with a stack's config, every registration recorded.

Shared by the unit tests and the offline plan, so both see the same program.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aks_cilium.testing import AzureMocks, ProgramRun, run_callable

from .stack_config import PROJECT_DIR, StackConfig


def run_program(
    config: StackConfig,
    mocks: AzureMocks | None = None,
    program: Path = PROJECT_DIR / "__main__.py",
) -> ProgramRun:
    """Run `program` for one stack under mocks with preview=False, so every apply runs.

    Raises whatever the program raises (ConfigError before any registration, resource failures after).
    """
    if str(program.parent) not in sys.path:
        sys.path.insert(0, str(program.parent))
    with _example_keys(config):
        return run_callable(lambda: runpy.run_path(str(program), run_name="__main__"), config, mocks)


@contextmanager
def _example_keys(config: StackConfig) -> Iterator[None]:
    """Tell the program which keys hold example values on purpose, for this run only (stack_settings/runtime_source.py)."""
    # Imported here: the harness must not load the program's modules before it runs (tests/package/test_cold_start.py).
    from stack_settings.runtime_source import EXAMPLE_KEYS_VARIABLE

    keys = ",".join(key.split(":", 1)[1] for key in config.example_keys)
    previous = os.environ.pop(EXAMPLE_KEYS_VARIABLE, None)
    if keys:
        os.environ[EXAMPLE_KEYS_VARIABLE] = keys
    try:
        yield
    finally:
        os.environ.pop(EXAMPLE_KEYS_VARIABLE, None)
        if previous is not None:
            os.environ[EXAMPLE_KEYS_VARIABLE] = previous
