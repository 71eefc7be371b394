"""The stack program under the mock engine: the real __main__.py with a stack's config, every registration recorded.

Shared by the unit tests and the offline plan, so both see the same program.
"""

from __future__ import annotations

import runpy
import sys
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
    return run_callable(lambda: runpy.run_path(str(program), run_name="__main__"), config, mocks)
