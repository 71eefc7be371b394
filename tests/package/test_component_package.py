"""The components as a Pulumi package: the schema Pulumi infers from them, and a YAML program against it."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.host import components_from_module
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import aks_cilium
from aks_cilium.core.tokens import PACKAGE_NAME
from offline.plugin_process import PluginProcess
from tests.support.stacks import RunStack

# What `pulumi.run.plugin` hosts: every ComponentResource the package module exports, found as the host finds them
# (pulumi/pulumi sdk/python/lib/pulumi/provider/experimental/host.py `components_from_module`), at the installed version.
COMPONENTS = components_from_module(aks_cilium)
PACKAGE_VERSION = version("aks-cilium")
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
    assert set(cluster["required"]) == {
        "apiServerFqdn",
        "clusterId",
        "clusterName",
        "deployKubeconfig",
        "deployerPrincipals",
        "kubeconfig",
        "kubernetesProvider",
        "oidcIssuerUrl",
    }
    pool = schema()["types"][f"{TOKEN}NodePoolArgs"]
    assert set(pool["properties"]) == {"vmSize", "minCount", "maxCount", "kubernetesVersion"}
    assert set(pool["required"]) == {"vmSize", "minCount", "maxCount"}


def test_cilium_and_policy_set() -> None:
    cilium = resource("Cilium")
    assert set(cilium["requiredInputs"]) == {"version", "clusterName", "podCidr", "nodeCount"}
    assert "release" not in cilium["properties"], "YAML cannot depend on a resource output; it depends on the component"
    policies = resource("NetworkPolicySet")
    assert policies["inputProperties"]["namespaces"]["items"]["$ref"] == f"#/types/{TOKEN}NamespacePolicyArgs"
    assert set(policies["requiredInputs"]) == {"namespaces", "networkMode"}
    assert policies["properties"]["policyNames"]["items"]["type"] == "string"
    namespace = schema()["types"][f"{TOKEN}NamespacePolicyArgs"]
    assert namespace["required"] == ["name"]
    assert {d["name"] for d in schema()["dependencies"]} == {"kubernetes"}


def test_demo_and_connectivity_check_are_components_of_the_package() -> None:
    """Any language can run the check against its own policies: one Job per source namespace, each probe typed."""
    check = resource("ConnectivityCheck")
    assert check["requiredInputs"] == ["sources"]
    assert check["inputProperties"]["sources"]["items"]["$ref"] == f"#/types/{TOKEN}ProbeSourceArgs"
    probe = schema()["types"][f"{TOKEN}ConnectivityProbe"]
    assert set(probe["required"]) == {"name", "url", "allowed"}
    assert check["properties"]["jobNames"]["items"]["type"] == "string"
    demo = resource("DemoApp")
    assert set(demo["requiredInputs"]) == {"appNamespace", "clientNamespace"}
    assert demo["properties"]["serviceUrl"]["type"] == "string"
    egress = schema()["types"][f"{TOKEN}EgressAllowArgs"]
    assert set(egress["properties"]) == {"namespace", "apiServer", "cidr", "exceptCidrs", "fqdn", "ports"}


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
    assert program["packages"] == {PACKAGE_NAME: "../../components"}
    resources = program["resources"]
    for name, declaration in resources.items():
        token = declaration["type"]
        assert token in schema()["resources"], f"{name}: unknown type {token}"
        definition = schema()["resources"][token]
        _check_object(declaration["properties"], definition["inputProperties"], definition["requiredInputs"], name)
    for source, prop in _references({k: {**v, "type": None} for k, v in resources.items()} | {"outputs": program["outputs"]}):
        assert prop in schema()["resources"][resources[source]["type"]]["properties"], f"{source}.{prop} is not an output"


RESOURCE_REFERENCE = re.compile(r"^\$\{([A-Za-z_][\w-]*)\}$")


def test_yaml_example_options_name_resources_not_outputs(project_dir: Path) -> None:
    """Pulumi YAML binds `options.providers`, `options.provider`, `options.dependsOn` and `options.parent` to resources:
    `${name}`, never a property access such as `${cluster.kubernetesProvider}`, which is an Output there: the evaluator
    refuses it ("resource option providers value must be a list of resource, not an output"; `pulumi/pulumi-yaml`
    `pkg/pulumiyaml/run.go`, `evaluateResourceListValuedOption` for providers, dependsOn and replaceWith, and
    `evaluateResourceValuedOption`, "resource cannot be an output", for provider, parent and deletedWith). Component outputs
    that are resources reach YAML as Outputs, so the example reaches the cluster only through inputs such as `kubeconfig`.
    """
    program = yaml.safe_load((project_dir / "examples" / "yaml" / "Pulumi.yaml").read_text())
    resources = program["resources"]
    for name, declaration in resources.items():
        options = declaration.get("options", {})
        for key in ("providers", "dependsOn", "replaceWith"):
            for item in options.get(key, []):
                match = RESOURCE_REFERENCE.match(item)
                assert match, f"{name}.options.{key}: {item} is not a resource reference"
                assert match.group(1) in resources, f"{name}.options.{key}: {item} names no resource"
        for key in ("provider", "parent", "deletedWith"):
            if key in options:
                assert RESOURCE_REFERENCE.match(options[key]), f"{name}.options.{key} is not a resource reference"
    assert resources["policies"]["options"]["dependsOn"] == ["${cilium}"]
    assert resources["cilium"]["properties"]["kubeconfig"] == "${cluster.deployKubeconfig}"
    assert resources["cilium"]["options"]["dependsOn"] == ["${cluster}"]


def is_buildable_package(plugin_dir: Path) -> bool:
    """`toolchain.IsBuildablePackage` (`pulumi/pulumi` `sdk/python/toolchain/pyproject.go`): a pyproject.toml with a
    non-empty `[project].name` and a `[build-system]` that names a `build-backend`."""
    path = plugin_dir / "pyproject.toml"
    if not path.exists():
        return False
    pyproject = tomllib.loads(path.read_text())
    return bool(pyproject.get("project", {}).get("name")) and bool(pyproject.get("build-system", {}).get("build-backend"))


def plugin_command(plugin_dir: Path, python: str) -> list[str]:
    """The command the engine runs for a source-based Python plugin in `plugin_dir`, with the plugin's own `python`.

    Follows `pulumi/pulumi` (read at 3.260): `pkg/resource/plugin/plugin.go` (`newPlugin`) builds the program info as
    (pluginDir, pluginDir, ".") and passes the engine's own working directory, `ctx.Pwd`, as `WorkingDirectory`;
    `sdk/python/cmd/pulumi-language-python/main.go` (`RunPlugin`) looks for `__main__.py` in the root (the plugin
    folder) and runs `python <pluginDir>` when there is one; otherwise, when `import pulumi.run.plugin` works and the
    folder is a buildable package, `python -m pulumi.run.plugin <[project].name>`, else it fails ("plugin is not
    runnable"). The process runs in `req.Pwd`, the directory of the program that uses the plugin, not the plugin's
    folder, and `python` is the one of the plugin's `virtualenv` option, resolved against the plugin folder
    (`parseOptions` defaults it to `venv` for plugins; `sdk/python/toolchain/pip.go`).
    `PulumiPlugin.yaml` knows only runtime, packages, requiredPulumiVersion and template
    (`sdk/go/common/workspace/project.go`, `PluginProject`): any other key, `main` included, is ignored.
    """
    if (plugin_dir / "__main__.py").exists():
        return [python, str(plugin_dir)]
    if not is_buildable_package(plugin_dir):
        raise AssertionError("plugin is not runnable, it provides neither __main__.py nor a buildable pyproject.toml")
    project = tomllib.loads((plugin_dir / "pyproject.toml").read_text())["project"]
    return [python, "-m", "pulumi.run.plugin", project["name"]]


def test_plugin_manifest_has_only_keys_the_engine_reads(project_dir: Path) -> None:
    """`PluginProject` in `pulumi/pulumi` `sdk/go/common/workspace/project.go` has no `main`: the folder is the plugin."""
    plugin = yaml.safe_load((project_dir / "components" / "PulumiPlugin.yaml").read_text())
    assert set(plugin) <= {"runtime", "packages", "requiredPulumiVersion", "template"}
    assert plugin["runtime"]["name"] == "python"
    assert not (project_dir / "PulumiPlugin.yaml").exists(), "the repository root is the program, not the plugin"


def test_plugin_started_by_the_engines_rule_serves_the_same_schema_over_grpc(project_dir: Path, tmp_path: Path) -> None:
    """Started as the language host starts it (see `plugin_command`), asked as the CLI asks.

    The working directory is the consuming program's folder, as the engine's (`WorkingDirectory: ctx.Pwd`): `python -m`
    puts the working directory first on `sys.path`, so starting it in `components/` would import `aks_cilium` from the
    source folder even if nothing had installed it. The engine installs a source-based package plugin by creating its
    `venv` and running `pip install <plugin dir>` there (`pulumi/pulumi` `pkg/workspace/plugin.go`
    `InstallPluginAtPath`, which `pkg/cmd/pulumi/packageinstallation/packageinstallation.go` also runs for a local path,
    and `pulumi-language-python` `InstallDependencies` with `IsPlugin`); tests/package/test_library_distribution.py builds and
    installs the same wheel, so here the plugin runs with this repository's venv, where the package is installed.
    """
    plugin_dir = project_dir / "components"
    command = plugin_command(plugin_dir, sys.executable)
    assert command[1:] == ["-m", "pulumi.run.plugin", PACKAGE_NAME], "the folder must not have a __main__.py"
    consumer = tmp_path / "consumer-program"
    consumer.mkdir()
    process = PluginProcess([*command], cwd=consumer)
    try:
        response = provider_pb2_grpc.ResourceProviderStub(process.channel).GetSchema(provider_pb2.GetSchemaRequest(version=0))
    finally:
        process.close()
    served = json.loads(response.schema)
    assert set(served["resources"]) == {TOKEN + c.__name__ for c in COMPONENTS}
    assert served["resources"] == schema()["resources"]
    assert served["types"] == schema()["types"]


def test_components_register_the_tokens_the_schema_advertises(run_stack: RunStack) -> None:
    """What a program registers is what another language asks the component host for: `aks-cilium:index:<Class>`."""
    registered = {r.type for stack in ("dev", "prod") for r in run_stack(stack).registrations if r.type.startswith(f"{PACKAGE_NAME}:")}
    advertised = set(schema()["resources"])
    assert advertised <= registered
    assert all(token.startswith(TOKEN) for token in registered), sorted(registered)


def test_local_package_paths_are_ones_the_cli_reads_as_paths(project_dir: Path) -> None:
    """`pulumi/pulumi` `pkg/resource/plugin/host.go` `IsLocalPluginPath`: a source starting with `./`, `..` or `/` is a
    local path; a bare `components` parses as a plugin name and is looked up in the registry instead. A local path
    is installed where it is (`pkg/cmd/pulumi/packageinstallation/packageinstallation.go`: no download, then
    `InstallPluginAt` in that folder) and kept as a path in the project's `packages`."""
    program = yaml.safe_load((project_dir / "examples" / "yaml" / "Pulumi.yaml").read_text())
    guide = (project_dir / "docs" / "components.md").read_text()
    sources = [*program["packages"].values(), *re.findall(r"pulumi package add (\S+)", guide)]
    local = [source for source in sources if "://" not in source and not source.startswith("<")]
    assert local, "docs/components.md and the YAML example name a local checkout"
    for source in local:
        assert source.startswith(("./", "..", "/")), f"{source} would be looked up as a plugin name"
