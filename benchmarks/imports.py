"""Cold start of a stack's program: a fresh interpreter importing every module the program loads for that stack.

The modules are not listed by hand: a run of the program under the mock engine records what it loads, so modules the
provider SDKs load lazily on first use count, and modules a stack never uses do not.
"""

from __future__ import annotations

import compileall
import importlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from offline.stack_config import PROJECT_DIR

OWN_PACKAGES = ("aks_cilium", "program", "stack_settings")

# Runs in a fresh interpreter. The harness (aks_cilium.testing) imports the library package, which the program's first
# import loads as well, so that package's modules are recorded before the harness comes in; the rest of the harness is
# imported next, so what the run then adds to sys.modules is the program's. Each stack runs in a child forked from that
# state (os.fork copies the interpreter, sys.modules included), so no stack sees what another loaded, and the
# interpreter and the harness are started once for all of them. Nothing has opened a gRPC channel or started a thread
# before the fork: the mock engine runs in-process.
_RECORD_LOADED = """
import json, os, sys
start = set(sys.modules)
import aks_cilium
library = [name for name in sys.modules if name not in start]
from offline.engine import run_program
from offline.stack_config import load_stack_config, shipped_examples
loaded = {}
for stack in sys.argv[1:]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        config = load_stack_config(stack, examples=shipped_examples(stack))
        before = set(sys.modules)
        run_program(config)
        with os.fdopen(write, "w") as pipe:
            json.dump(library + [name for name in sys.modules if name not in before], pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        loaded[stack] = json.load(pipe)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"recording {stack} failed")
print(json.dumps(loaded))
"""
# Timed inside the fresh interpreter: its start-up and its teardown (freeing every module at exit) are not imports.
_IMPORT_ALL = """
import importlib, sys, time
start = time.perf_counter()
for name in sys.argv[1:]:
    importlib.import_module(name)
print(time.perf_counter() - start)
"""


@dataclass(frozen=True)
class ColdStart:
    stack: str
    pulumi: float
    providers: float
    program: float
    own_modules: int
    other_modules: int


def loaded_by_programs(stacks: list[str]) -> dict[str, list[str]]:
    """Modules the program loads for each stack, in load order (the program file itself is not a module)."""
    done = subprocess.run([sys.executable, "-c", _RECORD_LOADED, *stacks], cwd=PROJECT_DIR, check=True, capture_output=True, text=True)
    loaded: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return {stack: [name for name in names if not name.startswith("<") and name != "__main__"] for stack, names in loaded.items()}


def loaded_by_program(stack: str) -> list[str]:
    return loaded_by_programs([stack])[stack]


def import_seconds(modules: list[str], repeats: int) -> float:
    """The fastest of `repeats` fresh interpreters importing pulumi and then `modules` in order."""
    return min(
        float(subprocess.run([sys.executable, "-c", _IMPORT_ALL, "pulumi", *modules], cwd=PROJECT_DIR, check=True,
                             capture_output=True, text=True).stdout)
        for _ in range(repeats)
    )  # fmt: skip


def _is_own(name: str) -> bool:
    return name.split(".")[0] in OWN_PACKAGES


def measure_cold_start(stack: str, repeats: int) -> ColdStart:
    """`import pulumi`, then everything but our modules (the providers' floor), then the whole program, each fresh."""
    modules = loaded_by_program(stack)
    others = [name for name in modules if not _is_own(name)]
    # pip compiled the SDKs' bytecode at install; ours gets the same, or its compile time would count as import time.
    for package in OWN_PACKAGES:
        module = importlib.import_module(package)
        compileall.compile_dir(Path(module.__file__ or "").parent, quiet=1)
    return ColdStart(
        stack=stack,
        pulumi=import_seconds([], repeats),
        providers=import_seconds(others, repeats),
        program=import_seconds(modules, repeats),
        own_modules=len(modules) - len(others),
        other_modules=len(others),
    )
