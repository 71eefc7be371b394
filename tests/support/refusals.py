"""A component's refusal under the mock engine, without paying for a failed run where the refusal is immediate.

A component judges plain args in its constructor and raises ComponentArgsError there; an arg given as an Output is
judged when it resolves, and the run fails with the same error (tests/components/test_component_arg_checks.py). The
mock engine cleans up after a failed run with a collection over the whole test process (about 0.08 CPU-s, forty times
a refused build: aks_cilium.testing.engine `run_callable`), so an immediate refusal is caught inside the program,
whose run then ends as any run does; a refusal that comes with an Output still fails the run.
"""

from __future__ import annotations

from collections.abc import Callable

from aks_cilium.core.validation import ComponentArgsError
from aks_cilium.testing import run_callable


def refusal(build: Callable[[], object]) -> ComponentArgsError:
    """The ComponentArgsError that building raises at once, or that fails the run once an Output resolves."""
    refused: list[ComponentArgsError] = []

    def program() -> None:
        try:
            build()
        except ComponentArgsError as error:
            refused.append(error)

    try:
        run_callable(program)
    except ComponentArgsError as error:
        return error
    assert refused, "the args were accepted"
    return refused[0]
