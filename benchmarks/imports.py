"""Cold-start import times, each in a fresh interpreter, best of several."""

from __future__ import annotations

import subprocess
import sys
import time

from offline.stack_config import PROJECT_DIR

PULUMI_ONLY = "import pulumi"
# What __main__.py imports before it registers anything.
PROGRAM = (
    "import components.cilium, components.cluster, components.connectivity, components.demo, components.network, "
    "components.network_policies, stack_settings.component_args, stack_settings.outputs, stack_settings.runtime_source"
)
# The provider SDK modules the program needs, without any of our code: the floor the providers set.
PROVIDERS = (
    "import pulumi, pulumi_kubernetes.core.v1, pulumi_kubernetes.apps.v1, pulumi_kubernetes.batch.v1, "
    "pulumi_kubernetes.networking.v1, pulumi_kubernetes.apiextensions, pulumi_kubernetes.helm.v3, "
    "pulumi_azure_native.containerservice, pulumi_azure_native.network, pulumi_azure_native.resources, "
    "pulumi_azure_native.operationalinsights, yaml"
)


def import_seconds(statement: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], cwd=PROJECT_DIR, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def measure_imports(repeats: int) -> dict[str, float]:
    return {
        name: import_seconds(statement, repeats)
        for name, statement in (("pulumi", PULUMI_ONLY), ("providers", PROVIDERS), ("program", PROGRAM))
    }
