"""The stack program under the mock engine: the real __main__.py with a stack's config, every registration recorded.

Shared by the unit tests and the offline plan, so both see the same program.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aks_cilium.testing import AzureMocks, ProgramRun, run_callable

from .stack_config import PROJECT_DIR, StackConfig

# Other stacks' outputs as `pulumi stack output --json --show-secrets` would print them, one file per stack, for the
# program's stack references (a Cluster Mesh member reads its peer's): `{"outputs": {...}, "secretOutputs": [...]}`.
# The mesh CA in them is the mock engine's placeholder PEM, never a real key. tests/stack/test_cluster_mesh.py keeps
# each file equal to what that stack's own program exports.
RECORDED_OUTPUTS_DIR = PROJECT_DIR / "offline" / "stack_outputs"


def recorded_stack_outputs(directory: Path = RECORDED_OUTPUTS_DIR) -> tuple[dict[str, dict[str, Any]], frozenset[str]]:
    """Outputs by stack name, and the names of the outputs those stacks export as secrets."""
    outputs: dict[str, dict[str, Any]] = {}
    secrets: set[str] = set()
    for path in sorted(directory.glob("*.json")):
        recorded = json.loads(path.read_text())
        outputs[path.stem] = recorded["outputs"]
        secrets.update(recorded.get("secretOutputs", []))
    return outputs, frozenset(secrets)


def plan_mocks(fail_on: frozenset[str] = frozenset()) -> AzureMocks:
    """The mock engine of the offline plan: Azure's shapes, and the recorded outputs of the stacks it references."""
    outputs, secrets = recorded_stack_outputs()
    return AzureMocks(fail_on=fail_on, stack_outputs=outputs, secret_outputs=secrets)


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
    with example_keys_in_environment(config):
        return run_callable(lambda: runpy.run_path(str(program), run_name="__main__"), config, mocks or plan_mocks())


@contextmanager
def example_keys_in_environment(config: StackConfig) -> Iterator[None]:
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
