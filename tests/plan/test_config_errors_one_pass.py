"""Every mistake in a stack file is reported in one run, each with its file, line and key and a command that fixes it.

The Pulumi CLI checks declared types before the program starts and stops there (`pulumi/pulumi`
`sdk/go/common/workspace/project.go` `ValidateConfigValue`); the offline plan reports those together with the
program's own problems. Fix commands follow `pulumi config set <key> [value]`, with `--path 'names[0]'` for a list
item (pulumi.com docs, "pulumi config set"), and `pulumi config rm` to drop a key or item.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from offline.plan import main
from offline.stack_config import PROJECT_DIR, load_stack_config
from stack_settings import ConfigError, load_settings

# Five mistakes of different kinds, each on its own line (the line is the position in this list, plus 1 for `config:`).
MISTAKES = [
    ("aks-cilium:tier: dev", None),
    ("aks-cilium:maxPodsPerNode: lots", "aks-cilium:maxPodsPerNode: must be of type 'integer'"),  # a type error
    ("aks-cilium:dnsServiceIp: 10.1.0.10", "aks-cilium:dnsServiceIp: 10.1.0.10 is outside serviceCidr"),  # across keys
    ("aks-cillium:skuTier: Free", "aks-cillium:skuTier: is in namespace 'aks-cillium'"),  # another namespace
    (
        "aks-cilium:externalNamespace: []",
        "aks-cilium:externalNamespace: is not a setting of this program (did you mean externalNamespaces?)",
    ),  # a typo
    (
        'aks-cilium:userPoolKubernetesVersion: "1.99"',
        "aks-cilium:userPoolKubernetesVersion: 1.99 is newer than the control plane's",
    ),  # only AksCluster's own rule knows it, reported beside the type error
    ("aks-cilium:externalNamespaces:", None),
    ("  - ingress-nginx", None),
    ("  - monitoring", None),
    ("  - Payments", "aks-cilium:externalNamespaces[2]: 'Payments' is not a Kubernetes namespace name"),  # one item of a list
]


@pytest.fixture
def broken_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copyfile(PROJECT_DIR / "Pulumi.yaml", project / "Pulumi.yaml")
    body = "config:\n" + "".join(f"  {line}\n" for line, _ in MISTAKES)
    (project / "Pulumi.dev.yaml").write_text(body)
    return project


def test_five_mistakes_of_different_kinds_are_all_reported_in_one_run(
    broken_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: load_stack_config(stack, broken_project))
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 2
    err = capsys.readouterr().err
    reported = [line for line in err.splitlines() if line.startswith("  - ")]
    expected = [(f"Pulumi.dev.yaml:{number}: {text}") for number, (_, text) in enumerate(MISTAKES, start=2) if text]
    for text in expected:
        assert any(line.startswith(f"  - {text}") for line in reported), f"{text} not in:\n{err}"
    assert len(reported) == len(expected), err
    assert "Traceback" not in err
    assert not (tmp_path / "plan").exists()


def test_the_fix_for_a_list_item_is_a_valid_command_with_its_index_and_a_value_the_stack_takes(broken_project: Path) -> None:
    config = load_stack_config("dev", broken_project)
    values = {key.removeprefix("aks-cilium:"): value for key, value in config.values.items() if key.startswith("aks-cilium:")}
    values["maxPodsPerNode"] = "50"
    with pytest.raises(ConfigError) as caught:
        load_settings(values, "dev")
    (item,) = [problem for problem in caught.value.problems if problem.key == "externalNamespaces"]
    words = shlex.split(item.fix())
    assert words == ["pulumi", "config", "set", "--path", "externalNamespaces[2]", "app-routing-system"]
    values["externalNamespaces"] = '["ingress-nginx", "monitoring", "app-routing-system"]'
    with pytest.raises(ConfigError) as caught:
        load_settings(values, "dev")
    assert "externalNamespaces" not in caught.value.keys, "the suggested value is one the stack takes"


def test_a_key_in_a_namespace_like_ours_is_refused_and_a_providers_is_not() -> None:
    config = load_stack_config("dev")
    values = {key.removeprefix("aks-cilium:"): value for key, value in config.values.items() if key.startswith("aks-cilium:")}
    others = {"aks-cillium:skuTier": "Free", "AKS-Cilium:protect": "true", "azure-native:location": "westeurope", "kubernetes:context": "x"}
    with pytest.raises(ConfigError) as caught:
        load_settings(values, "dev", other_keys=others)
    assert caught.value.keys == {"aks-cillium:skuTier", "AKS-Cilium:protect"}
    assert "did you mean aks-cilium:skuTier?" in str(caught.value)
    (typo,) = [problem for problem in caught.value.problems if problem.key == "aks-cillium:skuTier"]
    assert typo.fix() == "pulumi config rm aks-cillium:skuTier && pulumi config set aks-cilium:skuTier Free"
