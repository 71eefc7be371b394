"""The connectivity check runs again when what decides its verdicts besides the policies changes, and only then: its Job
names follow Cilium's chart version and rendered values (byocni), or the Kubernetes version and ACNS security that
decide Azure's Cilium (azure-cilium). No stack run: settings from the stack files, the component run alone."""

from __future__ import annotations

from typing import Any

import pulumi

from aks_cilium.cilium.values import cilium_values
from aks_cilium.testing import SECRET, run_callable
from aks_cilium.workloads.connectivity import ConnectivityCheck, ConnectivityCheckArgs, ConnectivityProbe, ProbeSourceArgs
from program.check_fingerprint import check_fingerprint
from program.component_args import cilium_args
from stack_settings.load import load_settings, project_config
from stack_settings.model import Settings
from tests.support.stacks import example_keys, stack_config

JOB = "kubernetes:batch/v1:Job"
SOURCE = ProbeSourceArgs(namespace="client", probes=[ConnectivityProbe(name="x", url="http://x.example.com", allowed=True)])


def _settings(stack: str, **overrides: str) -> Settings:
    config = stack_config(stack)
    return load_settings({**project_config(config.values), **overrides}, stack, example_keys=example_keys(config))


def _job_name(stack: str, secret: bool = False, **overrides: str) -> str:
    settings = _settings(stack, **overrides)

    def program() -> None:
        values: pulumi.Output[dict[str, Any]] | None = None
        if settings.byocni:
            # The values as the Cilium component renders them from the same args (its `values` output).
            values = pulumi.Output.from_input(cilium_args(settings)).apply(cilium_values)
            values = pulumi.Output.secret(values) if secret else values
        ConnectivityCheck("check", ConnectivityCheckArgs(sources=[SOURCE], policy_fingerprint=check_fingerprint(settings, values)))

    name: str = run_callable(program).one(JOB).inputs["metadata"]["name"]
    return name


def test_byocni_check_reruns_on_a_new_chart_version_or_new_values_only() -> None:
    """Helm upgrades the release when the chart version or a value changes, and Cilium's agents then enforce the same
    policies under the new configuration (the release's `values`, helm.v3.Release, design/PRODUCT.md); the pool's VM
    size reaches no value, so it leaves the check alone."""
    first = _job_name("dev")
    assert first == _job_name("dev")
    assert first != _job_name("dev", ciliumVersion="1.20.3")
    assert first != _job_name("dev", hubbleMetrics='["dns", "drop"]')
    assert first != _job_name("dev", ciliumExtraValues='{"debug": {"enabled": true}}')
    assert first == _job_name("dev", userPoolVmSize="Standard_D4ds_v5")


def test_managed_check_reruns_on_a_new_kubernetes_version_or_acns_policy_level_only() -> None:
    """Azure CNI powered by Cilium: Azure picks Cilium's version by the Kubernetes version (MicrosoftDocs/azure-aks-docs
    articles/aks/azure-cni-powered-by-cilium.md), and ACNS security with its level (FQDN, L7) decides whether FQDN and
    L7 rules are enforced (articles/aks/container-network-security-fqdn-filtering-concepts.md)."""
    first = _job_name("prod")
    assert first == _job_name("prod")
    assert first != _job_name("prod", kubernetesVersion="1.35")
    assert first != _job_name("prod", advancedNetworkPolicies="L7")
    assert first == _job_name("prod", userPoolVmSize="Standard_D8ds_v5")


def test_secret_values_keep_the_job_names_secret() -> None:
    """A digest of secret values is derived from them: Pulumi keeps an Output computed from a secret secret (pulumi/pulumi
    sdk/python/lib/pulumi/output.py, `apply`), and the Job names stay so in the state and the preview."""
    assert _job_name("dev", secret=True) == SECRET
    assert _job_name("dev") != SECRET
