"""After a failed run, the mock engine frees its leftovers on the next run without a pass over the whole heap.

Python docs, `gc.freeze`: frozen objects are ignored by every collection until `gc.unfreeze`; so a collection with the
host's heap frozen walks only what was made since.
"""

from __future__ import annotations

import gc
import weakref

import pulumi
import pytest
from pulumi_azure_native import resources

from aks_cilium.testing import run_callable


class _BoomError(Exception):
    pass


def test_a_failed_runs_leftovers_are_freed_by_the_next_run_which_thaws_the_heap() -> None:
    kept: list[weakref.ref[pulumi.Resource]] = []

    def failing() -> None:
        group = resources.ResourceGroup("rg", resource_group_name="rg")
        kept.append(weakref.ref(group))
        group.name.apply(lambda _: (_ for _ in ()).throw(_BoomError("the provider refused")))

    with pytest.raises(Exception, match="the provider refused"):
        run_callable(failing)
    assert gc.get_freeze_count() > 0, "the host's heap stays frozen until the next run has collected the leftovers"
    run_callable(lambda: None)
    assert gc.get_freeze_count() == 0
    assert kept[0]() is None, "the failed run's resource outlived the next run"
