"""The access wait's old module path, kept for stacks created before 0.3.

Their state holds the wait's dynamic provider pickled by reference to `aks_cilium.access_gate._GateProvider`, and the
engine unpickles it on every update and delete of that resource. Removing this module would leave those stacks unable
to update or delete the wait.
"""

from aks_cilium.cluster.access_gate import _GateProvider

__all__ = ["_GateProvider"]
