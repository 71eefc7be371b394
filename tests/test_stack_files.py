"""Stack files read as the Pulumi CLI reads them.

Sources: `pulumi/pulumi` `sdk/go/common/workspace/project.go` `ValidateConfigValue` (what a typed key accepts),
`workspace/config.go` (it is applied to each stack value as the program would receive it, and the message "Stack
'<stack>' with configuration key '<key>' must be of type '<type>'"), `sdk/go/common/resource/config/value.go`
`unmarshalValue` (a stack value is decoded as a string first, as an object only when that fails), and
`gopkg.in/yaml.v3` `resolve.go` / `decode.go` (the CLI's YAML library: YAML 1.2 booleans, Go integer syntax,
timestamps, and "mapping key ... already defined"). UPSTREAM.md "Project config" summarises the rule.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from offline.plan import main
from offline.stack_config import PROJECT_DIR, StackConfigError, cli_accepts, load_stack_config
from offline.stack_yaml import Timestamp, resolve_plain


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copyfile(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    return tmp_path


def load(project: Path, body: str | bytes) -> dict[str, str]:
    path = project / "Pulumi.t.yaml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return load_stack_config("t", project).values


def refused(project: Path, body: str | bytes) -> str:
    with pytest.raises(StackConfigError) as error:
        load(project, body)
    return str(error.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"), ("no", "no"), ("on", "on"), ("y", "y"),  # YAML 1.1 booleans are strings in yaml.v3
        ("true", True), ("False", False), ("TRUE", True),
        ("~", None), ("null", None), ("", None),
        ("0x1f", 31), ("0o17", 15), ("017", 15), ("1_000", 1000), ("-12", -12),  # Go's ParseInt(s, 0, 64)
        ("1.5", 1.5), ("1e3", 1000.0),
        ("10.0.0.0/16", "10.0.0.0/16"), ("westeurope", "westeurope"),
    ],
)  # fmt: skip
def test_plain_scalars_resolve_as_in_yaml_v3(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_a_date_resolves_as_a_timestamp() -> None:
    assert isinstance(resolve_plain("2024-01-01"), Timestamp)


@pytest.mark.parametrize(
    ("type_name", "value", "accepted"),
    [
        ("boolean", "true", True), ("boolean", "false", True), ("boolean", True, True),
        ("boolean", "yes", False), ("boolean", "True", False), ("boolean", "1", False),
        ("integer", "0300", True), ("integer", "-3", True), ("integer", 4.0, True),
        ("integer", "1.5", False), ("integer", "0x10", False), ("integer", True, False),
        ("string", "x", True), ("string", ["x"], False),
    ],
)  # fmt: skip
def test_typed_keys_accept_what_the_cli_accepts(type_name: str, value: object, accepted: bool) -> None:
    assert cli_accepts(type_name, None, value) is accepted


def test_arrays_check_their_items() -> None:
    assert cli_accepts("array", {"type": "string"}, ["a", "b"])
    assert not cli_accepts("array", {"type": "string"}, ["a", 1])
    assert not cli_accepts("array", None, ["a"])  # an array must declare items


def test_top_level_scalars_reach_the_program_as_written(project: Path) -> None:
    values = load(project, "config:\n  aks-cilium:maxPodsPerNode: 0300\n  aks-cilium:namePrefix: yes\n  aks-cilium:protect: true\n")
    # yaml.v3 decodes a scalar into a Go string as its text: 0300 is not octal here, yes is not a boolean.
    assert values["aks-cilium:maxPodsPerNode"] == "0300"
    assert values["aks-cilium:namePrefix"] == "yes"
    assert values["aks-cilium:protect"] == "true"


def test_lists_reach_the_program_as_json(project: Path) -> None:
    values = load(project, "config:\n  aks-cilium:namespaces:\n    - team-a\n    - 'yes'\n")
    assert values["aks-cilium:namespaces"] == '["team-a", "yes"]'


def test_defaults_come_from_pulumi_yaml(project: Path) -> None:
    values = load(project, "config: {}\n")
    assert values["aks-cilium:protect"] == "false"
    assert values["aks-cilium:availabilityZones"] == '["1", "2", "3"]'


def test_protect_yes_is_refused_naming_the_key_and_line(project: Path) -> None:
    message = refused(project, "config:\n  aks-cilium:location: westeurope\n  aks-cilium:protect: yes\n")
    assert message.startswith("Pulumi.t.yaml:3: aks-cilium:protect must be of type 'boolean'")


def test_a_duplicated_key_is_refused_naming_it_and_both_lines(project: Path) -> None:
    message = refused(project, "config:\n  aks-cilium:protect: true\n  aks-cilium:location: westeurope\n  aks-cilium:protect: false\n")
    assert message == "Pulumi.t.yaml:4: duplicated key 'aks-cilium:protect' in config (first at line 2); keep one"


def test_a_duplicated_key_inside_a_value_is_refused(project: Path) -> None:
    assert "duplicated key 'a'" in refused(project, "config:\n  aks-cilium:ciliumExtraValues:\n    a: 1\n    a: 2\n")


def test_a_date_inside_a_list_is_refused_with_file_and_line(project: Path) -> None:
    message = refused(project, "config:\n  aks-cilium:namespaces:\n    - 2024-01-01\n")
    assert message.startswith("Pulumi.t.yaml:3: aks-cilium:namespaces[0]: 2024-01-01 is a date/time")
    assert "quote it" in message


def test_a_non_string_key_is_refused(project: Path) -> None:
    assert refused(project, "config:\n  123: x\n") == "Pulumi.t.yaml:2: the key '123' in config is not a string; quote it"


def test_a_key_without_namespace_is_refused(project: Path) -> None:
    """config.ParseKey: stack config keys are `<namespace>:<name>`."""
    assert "is not namespace:name (e.g. aks-cilium:location)" in refused(project, "config:\n  location: x\n")


def test_config_as_a_list_is_refused(project: Path) -> None:
    assert refused(project, "config:\n  - aks-cilium:location\n") == "Pulumi.t.yaml:2: config must be a map of key: value, not a list"


def test_invalid_utf8_is_refused_with_the_line(project: Path) -> None:
    message = refused(project, b"config:\n  aks-cilium:location: west\xffeurope\n")
    assert message.startswith("Pulumi.t.yaml:2: not valid UTF-8")


def test_broken_yaml_names_the_line(project: Path) -> None:
    assert refused(project, "config:\n  aks-cilium:namespaces: [a, b\n").startswith("Pulumi.t.yaml:3: not valid YAML")


def test_an_empty_stack_file_is_the_defaults(project: Path) -> None:
    assert load(project, "")["aks-cilium:location"] == "westeurope"
    assert load(project, "config:\n")["aks-cilium:location"] == "westeurope"


def test_an_encrypted_value_needs_the_environment(project: Path) -> None:
    (project / "Pulumi.t.yaml").write_text("config:\n  aks-cilium:kubeloginClientId:\n    secure: AAABAcipher\n")
    with pytest.raises(StackConfigError, match="PULUMI_CONFIG_AKS_CILIUM_KUBELOGIN_CLIENT_ID"):
        load_stack_config("t", project, environ={})
    config = load_stack_config("t", project, environ={"PULUMI_CONFIG_AKS_CILIUM_KUBELOGIN_CLIENT_ID": "abc"})
    assert config.values["aks-cilium:kubeloginClientId"] == "abc"
    assert "aks-cilium:kubeloginClientId" in config.secret_keys


def test_the_stacks_in_the_repository_load() -> None:
    for stack in ("dev", "prod"):
        assert load_stack_config(stack).values["aks-cilium:networkMode"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Refused by the loader, as the CLI refuses it.
        ("config:\n  aks-cilium:protect: yes\n", ["Pulumi.dev.yaml:2: aks-cilium:protect must be of type 'boolean'"]),
        # A top-level date is text to the CLI (yaml.v3 decodes it into a string); the program's own check refuses it,
        # and the message says where the stack file sets the key.
        (
            "config:\n  aks-cilium:networkMode: byocni\n  aks-cilium:location: 2024-01-01\n",
            ["'2024-01-01' is not an Azure region name", "(aks-cilium:location is set at Pulumi.dev.yaml:3)"],
        ),
    ],
)
def test_the_plan_exits_2_naming_file_line_and_key(
    body: str,
    expected: list[str],
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "Pulumi.dev.yaml").write_text(body)
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack: load_stack_config(stack, project))
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err
    assert "Traceback" not in err
    assert not (tmp_path / "plan").exists()
