"""The Cilium patch the stacks deploy, its pinned chart, and what the offline harness renders in its place.

Sources: the chart repository's index for 1.20.0 (cilium/charts index.yaml, digest of cilium-1.20.0.tgz, matching
offline/cilium_sums/1.20.0.sha256); cilium/cilium#48391 ("Fix missing config setup for
'enable-non-default-deny-policies' flag", in 1.20.2, ../shared/design/UPSTREAM.md "Patches (12-01)").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from offline.artifacts import SUMS_DIR, ArtifactError, CiliumArtifacts, nearest_verified, pinned_sums, upstream_urls
from offline.stack_config import PROJECT_DIR, load_stack_config
from stack_settings import ConfigError
from tests.support.stacks import with_overrides


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_the_default_version_is_the_newest_pinned_patch_of_its_minor() -> None:
    default = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]["aks-cilium:ciliumVersion"]["default"]
    minor = default.rsplit(".", 1)[0]
    pinned = [p.stem for p in SUMS_DIR.glob(f"{minor}.*.sha256")]
    assert default == max(pinned, key=_key)
    assert pinned_sums(default).keys() >= {f"cilium-{default}.tgz"}
    assert upstream_urls(default)[f"cilium-{default}.tgz"] == f"https://helm.cilium.io/cilium-{default}.tgz"


def resolver(available: set[str]) -> object:
    def resolve(version: str) -> CiliumArtifacts:
        if version not in available:
            raise ArtifactError(f"cannot get Cilium {version}")
        return CiliumArtifacts(version, Path("/x"), "test")

    return resolve


def test_the_nearest_verified_chart_of_the_minor_stands_in_for_one_that_cannot_be_had(tmp_path: Path) -> None:
    for version in ("1.20.0", "1.20.2", "1.20.5", "1.21.0"):
        (tmp_path / f"{version}.sha256").write_text(f"{'0' * 64}  cilium-{version}.tgz\n")
    pick = nearest_verified
    assert pick("1.20.2", resolver({"1.20.2", "1.20.0"}), tmp_path).version == "1.20.2"  # type: ignore[arg-type]
    assert pick("1.20.2", resolver({"1.20.0", "1.21.0"}), tmp_path).version == "1.20.0"  # type: ignore[arg-type]
    assert pick("1.20.2", resolver({"1.20.0", "1.20.5"}), tmp_path).version == "1.20.0"  # type: ignore[arg-type]
    with pytest.raises(ArtifactError, match=r"cannot get Cilium 1\.20\.2"):
        pick("1.20.2", resolver({"1.21.0"}), tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["1.20.0", "1.20.1"])
def test_a_version_without_a_relied_on_fix_is_refused_against_cilium_version(version: str) -> None:
    from offline.engine import run_program

    with pytest.raises(ConfigError) as caught:
        run_program(with_overrides(load_stack_config("dev"), {"ciliumVersion": version}))
    assert caught.value.keys == {"ciliumVersion"}
    assert "cilium/cilium#48391" in str(caught.value)
