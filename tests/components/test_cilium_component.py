"""The Cilium component built directly, as a team's program (or another language) would: Outputs, checks, options."""

from __future__ import annotations

from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s
import pytest

from aks_cilium.cilium.component import Cilium, CiliumArgs
from aks_cilium.core.validation import ComponentArgsError
from aks_cilium.testing import ProgramRun, Registration, run_callable
from tests.support.refusals import refusal
from tests.support.tokens import RELEASE

MINIMAL: dict[str, Any] = {"version": "1.20.2", "cluster_name": "team-a", "pod_cidr": "10.248.0.0/16", "node_count": 2}
# Every arg set to something other than its default, so an Output that were read wrongly would show.
EVERY_ARG: dict[str, Any] = {
    **MINIMAL,
    "cluster_id": 42,
    "previous_version": "1.19.3",
    "hubble_metrics": ["dns", "drop", "http"],
    "service_monitors": True,
    "wireguard": True,
    "bandwidth_manager": True,
    "extra_values": {"debug": {"enabled": True}},
    "kubeconfig": "apiVersion: v1\nkind: Config\n",
    "cluster_identifier": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/team-a",
}
FLAGS = ("service_monitors", "wireguard", "bandwidth_manager")


def build(args: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> ProgramRun:
    return run_callable(lambda: Cilium("cilium", cast(CiliumArgs, args), opts))


def release(args: dict[str, Any]) -> Registration:
    return build(args).one(RELEASE)


def test_minimal_args_install_cilium_with_the_clusters_name() -> None:
    run = build(MINIMAL)
    values = run.one(RELEASE).inputs["values"]
    assert values["cluster"]["name"] == "team-a"
    assert 1 <= values["cluster"]["id"] <= 255
    assert values["operator"]["replicas"] == 2
    assert {"key": "CriticalAddonsOnly", "operator": "Exists"} in values["operator"]["tolerations"]
    (component,) = run.of_type("aks-cilium:index:Cilium")
    assert run.one(RELEASE).parent == component.urn


@pytest.mark.parametrize("key", sorted(EVERY_ARG))
def test_every_input_works_as_an_output(key: str) -> None:
    expected = release(EVERY_ARG)
    given = release({**EVERY_ARG, key: pulumi.Output.from_input(EVERY_ARG[key])})
    assert given.inputs == expected.inputs
    assert given.provider == expected.provider


@pytest.mark.parametrize("flag", FLAGS)
def test_a_flag_given_as_output_false_is_off(flag: str) -> None:
    args = dict(EVERY_ARG)
    assert release({**args, flag: pulumi.Output.from_input(False)}).inputs == release({**args, flag: False}).inputs
    assert release({**args, flag: pulumi.Output.from_input(True)}).inputs == release({**args, flag: True}).inputs
    assert release({**args, flag: False}).inputs != release({**args, flag: True}).inputs


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"version": None}, "version"),
        ({"cluster_name": None}, "cluster_name"),
        ({"version": "1.20"}, "version"),
        ({"cluster_name": "Team_A"}, "cluster_name"),
        ({"cluster_name": "a-cluster-name-longer-than-32-chars"}, "cluster_name"),
        ({"cluster_id": 0}, "cluster_id"),
        ({"cluster_id": 256}, "cluster_id"),
        ({"node_count": 0}, "node_count"),
        ({"hubble_metrics": ["http", "httpV2"]}, "hubble_metrics"),
        ({"extra_values": {"policyEnforcementMode": "never"}}, "extra_values"),
        ({"kube_proxy_replacement": True}, "kube_proxy_replacement"),
        ({"api_server_host": "team-a.hcp.westeurope.azmk8s.io"}, "api_server_host"),
        ({"previous_version": "1.18.0"}, "previous_version"),
        ({"pod_cidr": "10.244.0.0/33"}, "pod_cidr"),
        ({"pod_cidr": "banana"}, "pod_cidr"),
        ({"pod_cidr": "10.244.0.0/25"}, "pod_cidr"),
    ],
)
def test_bad_args_fail_before_any_child(change: dict[str, Any], path: str) -> None:
    from pulumi.runtime import settings

    args = {key: value for key, value in {**MINIMAL, **change}.items() if value is not None}
    error = refusal(lambda: Cilium("cilium", cast(CiliumArgs, args)))
    assert f"{path}: " in str(error)
    assert [problem["property_path"] for problem in error.errors or []] == [path]
    assert isinstance(error, pulumi.RunError)
    assert isinstance(error, pulumi.InputPropertiesError)
    registered = [registration.type for registration in settings.SETTINGS.monitor.registrations]
    assert set(registered) <= {"aks-cilium:index:Cilium"}, "no child registered"


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("cluster_id", 0),
        ("cluster_name", "default"),
        ("hubble_metrics", ["http", "httpV2"]),
        ("previous_version", "1.18.0"),
        ("pod_cidr", "10.244.0.0/33"),
        ("pod_cidr", "banana"),
    ],
)
def test_bad_args_given_as_outputs_fail_the_run(key: str, bad: Any) -> None:
    with pytest.raises(ComponentArgsError, match=key):
        build({**MINIMAL, key: pulumi.Output.from_input(bad)})


def test_secret_extra_values_are_checked_and_stay_secret() -> None:
    with pytest.raises(ComponentArgsError, match=r"image\.repository"):
        build({**MINIMAL, "extra_values": pulumi.Output.secret({"image": {"repository": "example.com/cilium"}})})
    allowed = release({**MINIMAL, "extra_values": pulumi.Output.secret({"debug": {"enabled": True}})})
    assert allowed.inputs["values"] == "[secret]"


def test_depends_on_reaches_the_release_and_the_own_provider() -> None:
    def program() -> None:
        first = k8s.core.v1.Namespace("first")
        Cilium("cilium", cast(CiliumArgs, {**MINIMAL, "kubeconfig": "apiVersion: v1\n"}), pulumi.ResourceOptions(depends_on=[first]))

    run = run_callable(program)
    first = run.one("kubernetes:core/v1:Namespace").urn
    assert first in run.one(RELEASE).dependencies
    assert first in run.one("pulumi:providers:kubernetes").dependencies


def test_kubeconfig_gives_the_release_its_own_provider() -> None:
    run = build({**MINIMAL, "kubeconfig": "apiVersion: v1\n", "cluster_identifier": "cluster-1"})
    provider = run.one("pulumi:providers:kubernetes")
    assert provider.name == "cilium-k8s"
    assert provider.inputs["clusterIdentifier"] == "cluster-1"
    assert run.one(RELEASE).provider.startswith(provider.urn)
