"""Cold start: a stack loads the provider SDK modules of the features it uses, and no others."""

from __future__ import annotations

import pytest

from benchmarks.imports import OWN_PACKAGES, loaded_by_programs

HELM = "pulumi_kubernetes.helm.v3"
DEPLOYMENTS = "pulumi_kubernetes.apps.v1"
JOBS = "pulumi_kubernetes.batch.v1"


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    return {stack: set(modules) for stack, modules in loaded_by_programs(["dev", "prod"]).items()}


def test_dev_loads_what_its_features_need(loaded: dict[str, set[str]]) -> None:
    # dev installs Cilium by Helm and runs the demo and its connectivity Job.
    assert {HELM, DEPLOYMENTS, JOBS, "pulumi_kubernetes.core.v1"} <= loaded["dev"]


def test_managed_cilium_without_demo_skips_helm_and_workloads(loaded: dict[str, set[str]]) -> None:
    # prod: Azure runs Cilium and there is no demo, so neither Helm nor Deployments nor Jobs are needed. The Cilium
    # component's own module loads (the package exports it for the component host) but not the Helm SDK behind it.
    assert not {HELM, DEPLOYMENTS, JOBS} & loaded["prod"]
    assert {"pulumi_kubernetes.core.v1", "pulumi_azure_native.containerservice", "aks_cilium.network_policy.component"} <= loaded["prod"]


def test_the_record_is_the_programs_own(loaded: dict[str, set[str]]) -> None:
    # The harness is imported before the snapshot: none of its modules, nor the program file, may count.
    for modules in loaded.values():
        assert not any(name.startswith(("offline", "tests", "<")) or name == "__main__" for name in modules)
        assert {name.split(".")[0] for name in modules} >= set(OWN_PACKAGES)
