"""Test support for programs that compose these components: Azure- and AKS-shaped mocks and a recording mock engine.

    from aks_cilium.testing import MockStack, run_callable

    run = run_callable(lambda: AksCluster("aks", args), MockStack(project="my-project"))
    cluster = run.one("azure-native:containerservice:ManagedCluster")

Every run uses preview=False, so every `apply` runs and outputs are known.
"""

from .azure import AzureMocks, InjectedFailureError
from .engine import SECRET, UNKNOWN, MockStack, ProgramRun, RecordingMonitor, Registration, StackLike, redact, run_callable

__all__ = [
    "SECRET",
    "UNKNOWN",
    "AzureMocks",
    "InjectedFailureError",
    "MockStack",
    "ProgramRun",
    "RecordingMonitor",
    "Registration",
    "StackLike",
    "redact",
    "run_callable",
]
