"""A component's refusal under the mock engine: the ComponentArgsError that building it raises.

A component judges plain args in its constructor and raises there; an arg given as an Output is judged when it
resolves, and the run fails with the same error (tests/components/test_component_arg_checks.py). Either way the error
leaves the run, as the engine would see it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aks_cilium.core.validation import ComponentArgsError
from aks_cilium.testing import run_callable


def refusal(build: Callable[[], object]) -> ComponentArgsError:
    """The ComponentArgsError of a run whose program is `build`; the test fails if the run succeeds."""
    with pytest.raises(ComponentArgsError) as caught:
        run_callable(build)
    return caught.value
