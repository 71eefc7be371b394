"""Stack files read as the Pulumi CLI reads them.

Sources (read at `pulumi/pulumi` 3.260, and `go-yaml/yaml` v3.0.1, the version `pulumi/pulumi` `sdk/go.mod` pins):
- `sdk/go/common/workspace/project.go` `ValidateConfigValue`: what a typed key accepts;
- `pkg/workspace/config.go` `validateStackConfigValue`: applied to the string the program receives (JSON-parsed
  when the value is an object), with "Stack '<stack>' with configuration key '<key>' must be of type '<type>'";
  `mergeConfig`: defaults (`createConfigValue`) and "Stack '<stack>' is missing configuration value '<key>'";
- `sdk/go/common/workspace/loaders.go` `LoadProjectStackBytes`: the file is decoded into untyped values, and
  `stackConfigNamespacedWithProject` puts a key without a namespace into the project's;
- `sdk/go/common/resource/config/object.go` `unmarshalObject` and `MarshalString`: what string a decoded value
  becomes (a bool or number as JSON, a list or map as JSON). The older `value.go` `unmarshalValue`, which tried a Go
  string first and so kept a scalar's text, was removed by `pulumi/pulumi#13814` (2023);
- `sdk/go/common/resource/config/key.go` `ParseKey`: `<namespace>:<name>` or `<namespace>:config:<name>`;
- `gopkg.in/yaml.v3` `resolve.go` (YAML 1.2 booleans, `strconv.ParseInt(s, 0, 64)` integers, timestamps) and
  `decode.go` `decoder.mapping` ("mapping key %#v already defined at line %d"); `decoder.scalar` keeps a scalar's
  text (`out.SetString(n.Value)`) only for a Go string target, and stores the resolved value for an interface{} one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from offline.plan import main
from offline.stack_config import PROJECT_DIR, StackConfigError, cli_accepts, load_stack_config
from offline.stack_yaml import Timestamp, go_json, resolve_plain
from tests.support.stacks import stack_config


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
        ("integer", str(2**63 - 1), True), ("integer", str(2**63), False),  # strconv.Atoi: Go's 64-bit int
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


def test_top_level_scalars_reach_the_program_as_the_cli_writes_them(project: Path) -> None:
    """yaml.v3 resolves a plain scalar into an interface{}; `config/object.go` `MarshalString` then writes a bool or
    number as JSON and keeps a string: `yes` stays "yes", `True` becomes "true", `0x1f` "31", `1e3` "1000"."""
    body = (
        "config:\n  aks-cilium:namePrefix: yes\n  aks-cilium:protect: True\n  aks-cilium:maxPodsPerNode: 0x1f\n"
        "  aks-cilium:userPoolMaxCount: 1e3\n  aks-cilium:location: '0300'\n"
    )
    values = load(project, body)
    assert values["aks-cilium:namePrefix"] == "yes"
    assert values["aks-cilium:protect"] == "true"
    assert values["aks-cilium:maxPodsPerNode"] == "31"
    assert values["aks-cilium:userPoolMaxCount"] == "1000"
    assert values["aks-cilium:location"] == "0300", "a quoted scalar is a string"


def test_a_null_value_is_an_empty_string(project: Path) -> None:
    """yaml.v3 `decode.go` `decoder.prepare` returns before any unmarshaler for a null node, so `config.Map` keeps a zero
    `config.Value` ("", not an object); inside a list a null is JSON null."""
    values = load(project, "config:\n  other:empty:\n  other:list: [a, ~]\n")
    assert values["other:empty"] == ""
    assert values["other:list"] == '["a",null]'


def test_a_leading_zero_integer_is_refused_because_the_cli_reads_it_as_octal(project: Path) -> None:
    """yaml.v3 `resolve.go` parses plain integers with Go's `strconv.ParseInt(s, 0, 64)`, where a leading 0 means
    octal: the CLI hands the program "192" for `0300`. Refused with the reading, never passed on silently."""
    message = refused(project, "config:\n  aks-cilium:maxPodsPerNode: 0300\n")
    assert message == (
        "Pulumi.t.yaml:2: aks-cilium:maxPodsPerNode: the CLI reads 0300 as the octal number 192; "
        "write the number without leading zeros, or quote it"
    )
    assert "octal" in refused(project, "config:\n  aks-cilium:namespaces:\n    - 017\n")


def test_lists_reach_the_program_as_compact_json(project: Path) -> None:
    """`object.go` `MarshalString` marshals a list or map with Go's `encoding/json`: compact, map keys sorted."""
    values = load(project, "config:\n  aks-cilium:namespaces:\n    - team-a\n    - 'yes'\n  other:extra: {b: 1, a: [x]}\n")
    assert values["aks-cilium:namespaces"] == '["team-a","yes"]'
    assert values["other:extra"] == '{"a":["x"],"b":1}'


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, "1.5"), (1000.0, "1000"), (1e21, "1e+21"), (1e-7, "1e-7"), (1.5e-5, "0.000015"), ("<&>", '"\\u003c\\u0026\\u003e"')],
)
def test_json_is_written_as_go_writes_it(value: object, text: str) -> None:
    """Go's `encoding/json` `floatEncoder` (shortest digits, exponent form below 1e-6 and from 1e21, `e-07` cleaned
    to `e-7`) and its HTML-safe string escaping."""
    assert go_json(value) == text


def test_defaults_come_from_pulumi_yaml(project: Path) -> None:
    """`createConfigValue`: a bool default with %v ("false"), a list as Go's JSON."""
    values = load(project, "config: {}\n")
    assert values["aks-cilium:protect"] == "false"
    assert values["aks-cilium:availabilityZones"] == '["1","2","3"]'


def test_a_required_key_missing_from_the_stack_is_refused(project: Path) -> None:
    """`mergeConfig`: a project key with neither default nor value must be set by the stack."""
    (project / "Pulumi.yaml").write_text((project / "Pulumi.yaml").read_text() + "  aks-cilium:mustSet:\n    type: string\n")
    assert refused(project, "config: {}\n") == "Stack 't' is missing configuration value 'aks-cilium:mustSet'"
    assert load(project, "config:\n  mustSet: x\n")["aks-cilium:mustSet"] == "x"


def test_a_secret_key_must_be_encrypted(project: Path) -> None:
    """`validateStackConfigValue`: a key the project declares `secret: true` refuses a plaintext stack value."""
    declaration = "  aks-cilium:token:\n    type: string\n    secret: true\n    default: ''\n"
    (project / "Pulumi.yaml").write_text((project / "Pulumi.yaml").read_text() + declaration)
    assert "'aks-cilium:token' must be encrypted as it's secret" in refused(project, "config:\n  aks-cilium:token: abc\n")


def test_protect_yes_is_refused_naming_the_key_and_line(project: Path) -> None:
    """Collected, not raised: the offline plan reports it with the program's own problems in the same run."""
    (project / "Pulumi.t.yaml").write_text("config:\n  aks-cilium:location: westeurope\n  aks-cilium:protect: yes\n")
    problems = load_stack_config("t", project).type_problems
    assert problems[0].render().startswith("Pulumi.t.yaml:3: aks-cilium:protect: must be of type 'boolean'")


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


def test_keys_are_parsed_as_the_cli_parses_them(project: Path) -> None:
    """`loaders.go` `stackConfigNamespacedWithProject` puts `location` into the project's namespace; `key.go` `ParseKey`
    reads `aks-cilium:config:location` as `aks-cilium:location` and refuses any other key with two or more colons."""
    assert load(project, "config:\n  location: northeurope\n")["aks-cilium:location"] == "northeurope"
    assert load(project, "config:\n  aks-cilium:config:location: northeurope\n")["aks-cilium:location"] == "northeurope"
    assert refused(project, "config:\n  a:b:c: x\n") == (
        "Pulumi.t.yaml:2: could not parse a:b:c as a configuration key (configuration keys should be of the form `<namespace>:<name>`)"
    )
    both = refused(project, "config:\n  location: x\n  aks-cilium:location: y\n")
    assert both == "Pulumi.t.yaml:3: 'aks-cilium:location' and 'location' are the same key aks-cilium:location; keep one"


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


def test_a_secret_list_in_the_clis_path_form_is_accepted(project: Path) -> None:
    """`pulumi config set --secret --path 'adminGroupObjectIds[0]' <id>` writes a list of secure items; the CLI
    validates the decrypted value against `array<string>` (pulumi/pulumi pkg/workspace/config.go,
    validateStackConfigValue: `stackValue.Value(dec)`, then JSON for an object), so it is an array of strings."""
    body = "config:\n  aks-cilium:adminGroupObjectIds:\n    - secure: AAABAcipher1\n    - secure: AAABAcipher2\n"
    (project / "Pulumi.t.yaml").write_text(body)
    env = "PULUMI_CONFIG_AKS_CILIUM_ADMIN_GROUP_OBJECT_IDS"
    with pytest.raises(StackConfigError, match=f"holds encrypted items.*{env}"):
        load_stack_config("t", project, environ={})
    with pytest.raises(StackConfigError, match="as JSON"):
        load_stack_config("t", project, environ={env: "not json"})
    ids = '["5e1ec7ed-e8a4-4c1e-9a3b-c0ffee000001", "5e1ec7ed-e8a4-4c1e-9a3b-c0ffee000002"]'
    config = load_stack_config("t", project, environ={env: ids})
    assert json.loads(config.values["aks-cilium:adminGroupObjectIds"]) == json.loads(ids)
    assert "aks-cilium:adminGroupObjectIds" in config.secret_keys
    (typed,) = load_stack_config("t", project, environ={env: "[1, 2]"}).type_problems
    assert "must be of type 'array<string>'" in typed.problem


def test_the_stacks_in_the_repository_load() -> None:
    for stack in ("dev", "prod"):
        assert stack_config(stack).values["aks-cilium:networkMode"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Refused as the CLI refuses it.
        ("config:\n  aks-cilium:protect: yes\n", ["Pulumi.dev.yaml:2: aks-cilium:protect: must be of type 'boolean'"]),
        # A top-level date would reach the program as Go's time text ("2024-01-01 00:00:00 +0000 UTC"): refused.
        (
            "config:\n  aks-cilium:networkMode: byocni\n  aks-cilium:location: 2024-01-01\n",
            ["Pulumi.dev.yaml:3: aks-cilium:location: 2024-01-01 is a date/time"],
        ),
        # The program's own check refuses a bad value, and the message says where the stack file sets the key.
        (
            "config:\n  aks-cilium:networkMode: byocni\n  aks-cilium:location: 'West Europe'\n",
            ["Pulumi.dev.yaml:3: aks-cilium:location: 'West Europe' is not an Azure region name"],
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
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: load_stack_config(stack, project))
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err
    assert "Traceback" not in err
    assert not (tmp_path / "plan").exists()
