"""The components as a Pulumi package: the schema Pulumi infers from them, and a YAML program against it."""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.package import COMPONENTS, PACKAGE_NAME, PACKAGE_VERSION
from offline.plugin_process import PluginProcess

TOKEN = f"{PACKAGE_NAME}:index:"
REFERENCE = re.compile(r"^\$\{(\w+)\.(\w+)\}$")


@cache
def schema() -> dict[str, Any]:
    """What `pulumi package add` gets from the provider: inferred from the type annotations, no engine involved."""
    text = ComponentProvider(COMPONENTS, PACKAGE_NAME, None, PACKAGE_VERSION).schema
    assert text is not None
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def resource(name: str) -> dict[str, Any]:
    found: dict[str, Any] = schema()["resources"][TOKEN + name]
    return found


def test_every_component_is_in_the_package() -> None:
    assert schema()["name"] == "aks-cilium"
    assert schema()["version"] == PACKAGE_VERSION
    assert set(schema()["resources"]) == {TOKEN + c.__name__ for c in COMPONENTS}
    for definition in schema()["resources"].values():
        assert definition["isComponent"] is True
        assert len(definition["description"]) > 20
        for prop in [*definition["inputProperties"].values(), *definition["properties"].values()]:
            assert prop.get("description"), prop


def test_aks_cluster_inputs_and_outputs() -> None:
    cluster = resource("AksCluster")
    inputs = cluster["inputProperties"]
    assert inputs["networkMode"] == {"description": inputs["networkMode"]["description"], "type": "string", "plain": True}
    assert inputs["podCidr"]["type"] == "string"
    assert inputs["maxPods"]["type"] == "integer"
    assert inputs["encryptionAtHost"]["type"] == "boolean"
    assert inputs["availabilityZones"]["type"] == "array"
    assert inputs["availabilityZones"]["items"]["type"] == "string"
    assert inputs["systemPool"]["$ref"] == f"#/types/{TOKEN}NodePoolArgs"
    assert {"resourceGroupName", "networkMode", "podCidr", "systemPool", "userPool"} <= set(cluster["requiredInputs"])
    assert {"availabilityZones", "authorizedIpRanges", "protect", "defender"}.isdisjoint(cluster["requiredInputs"])
    outputs = cluster["properties"]
    assert outputs["kubeconfig"]["type"] == "string"
    assert outputs["kubernetesProvider"]["$ref"].endswith("#/resources/pulumi:providers:kubernetes")
    assert set(cluster["required"]) == {"apiServerFqdn", "clusterId", "clusterName", "kubeconfig", "kubernetesProvider", "oidcIssuerUrl"}
    pool = schema()["types"][f"{TOKEN}NodePoolArgs"]
    assert set(pool["properties"]) == {"vmSize", "minCount", "maxCount"}
    assert set(pool["required"]) == {"vmSize", "minCount", "maxCount"}


def test_cilium_and_policy_set() -> None:
    cilium = resource("Cilium")
    assert set(cilium["requiredInputs"]) == {"version", "podCidr", "nodeCount"}
    assert cilium["properties"]["release"]["$ref"].endswith("kubernetes:helm.sh%2Fv3:Release")
    policies = resource("NetworkPolicySet")
    assert policies["inputProperties"]["namespaces"]["items"]["$ref"] == f"#/types/{TOKEN}NamespacePolicyArgs"
    assert set(policies["requiredInputs"]) == {"namespaces", "networkMode"}
    assert policies["properties"]["policyNames"]["items"]["type"] == "string"
    namespace = schema()["types"][f"{TOKEN}NamespacePolicyArgs"]
    assert namespace["required"] == ["name"]
    assert {d["name"] for d in schema()["dependencies"]} == {"kubernetes"}


def _check_object(value: dict[str, Any], properties: dict[str, Any], required: list[str], where: str) -> None:
    unknown = set(value) - set(properties)
    assert not unknown, f"{where}: no such input {sorted(unknown)}"
    missing = set(required) - set(value)
    assert not missing, f"{where}: missing required {sorted(missing)}"
    for key, item in value.items():
        prop = properties[key]
        if prop.get("plain"):
            assert not (isinstance(item, str) and item.startswith("${")), f"{where}.{key} is plain: it takes a literal"
        ref = prop.get("$ref") or prop.get("items", {}).get("$ref", "")
        if ref.startswith("#/types/"):
            nested = schema()["types"][ref[len("#/types/") :]]
            for element in item if isinstance(item, list) else [item]:
                _check_object(element, nested["properties"], nested.get("required", []), f"{where}.{key}")


def _references(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    match = REFERENCE.match(value) if isinstance(value, str) else None
    return [(match.group(1), match.group(2))] if match else []


def test_yaml_example_matches_the_schema(project_dir: Path) -> None:
    program = yaml.safe_load((project_dir / "examples" / "yaml" / "Pulumi.yaml").read_text())
    assert program["runtime"] == "yaml"
    assert program["packages"] == {PACKAGE_NAME: "../.."}
    resources = program["resources"]
    for name, declaration in resources.items():
        token = declaration["type"]
        assert token in schema()["resources"], f"{name}: unknown type {token}"
        definition = schema()["resources"][token]
        _check_object(declaration["properties"], definition["inputProperties"], definition["requiredInputs"], name)
    for source, prop in _references({k: {**v, "type": None} for k, v in resources.items()} | {"outputs": program["outputs"]}):
        assert prop in schema()["resources"][resources[source]["type"]]["properties"], f"{source}.{prop} is not an output"


def test_provider_entry_point_serves_the_same_schema_over_grpc(project_dir: Path) -> None:
    """Started as the Python language host starts the plugin named by PulumiPlugin.yaml, asked as the CLI asks."""
    plugin = yaml.safe_load((project_dir / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"]["name"] == "python"
    entry = project_dir / plugin["main"] / "__main__.py"
    process = PluginProcess([sys.executable, "-u", str(entry)], cwd=entry.parent)
    try:
        response = provider_pb2_grpc.ResourceProviderStub(process.channel).GetSchema(provider_pb2.GetSchemaRequest(version=0))
    finally:
        process.close()
    assert json.loads(response.schema) == schema()
