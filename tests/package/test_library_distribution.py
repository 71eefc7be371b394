"""The component library as a team gets it: a wheel, installed into an empty folder, used by a program outside the repo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from aks_cilium.core.tokens import PACKAGE_NAME

LIBRARY = tomllib.loads((Path(__file__).resolve().parents[2] / "components" / "pyproject.toml").read_text())["project"]
PACKAGE_VERSION = LIBRARY["version"]

# Runs in a fresh interpreter outside the repository: the library comes from the folder the wheel was installed into.
_CONSUMER_DRIVER = """
import json, runpy, sys
import aks_cilium
from aks_cilium.testing import MockStack, run_callable
run = run_callable(lambda: runpy.run_path(sys.argv[1], run_name="__main__"), MockStack(project="team-a-platform", stack="dev"))
print(json.dumps({
    "library": aks_cilium.__file__,
    "types": [r.type for r in run.registrations],
    "names": [r.name for r in run.registrations],
    "outputs": {key: value for key, value in run.outputs.items() if key != "kubeconfig"},
    "secret_outputs": sorted(run.secret_outputs),
    "release": run.one("kubernetes:helm.sh/v3:Release").urn,
    "policy_dependencies": [list(r.dependencies) for r in run.of_type("kubernetes:cilium.io/v2:CiliumNetworkPolicy")],
}))
"""


@pytest.fixture(scope="module")
def wheel(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel` of components/, with the pinned build backend already installed (no download)."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "components"
    # A copy, so the build's own files (build/, *.egg-info) never land in the working tree.
    shutil.copytree(project_dir / "components", source, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "venv"))
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (built,) = out.glob("*.whl")
    return built


def test_wheel_holds_the_library_and_nothing_of_the_program(wheel: Path) -> None:
    assert wheel.name == f"{PACKAGE_NAME.replace('-', '_')}-{PACKAGE_VERSION}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"aks_cilium"}
    assert {"aks_cilium/__init__.py", "aks_cilium/py.typed", "aks_cilium/testing/__init__.py", "aks_cilium/network_policy/model.py"} <= set(
        names
    )
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"Name: {PACKAGE_NAME}" in text
    assert f"Requires-Dist: pulumi~={version('pulumi')}" in text, "the library asks for the tested SDK minor, a patch ahead allowed"


def test_installed_wheel_runs_a_consumer_program_outside_the_repo(wheel: Path, project_dir: Path, tmp_path: Path) -> None:
    """The example depends on the Cilium component, not on its release: a local component in `depends_on` stands for
    its descendants (`pulumi/pulumi` `sdk/python/lib/pulumi/runtime/rpc.py`, `_add_dependency`), so every policy still
    waits for the Helm release and with it for Cilium's CRDs.
    """
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300
    )
    consumer = tmp_path / "team-a"
    consumer.mkdir()
    program = consumer / "__main__.py"
    shutil.copy(project_dir / "examples" / "python" / "__main__.py", program)
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", _CONSUMER_DRIVER, str(program)],
        cwd=consumer,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert Path(report["library"]).is_relative_to(site), "the library must come from the installed wheel"
    types = report["types"]
    for component in ("Network", "AksCluster", "Cilium", "NetworkPolicySet"):
        assert f"{PACKAGE_NAME}:index:{component}" in types
    assert "azure-native:containerservice:ManagedCluster" in types
    assert "kubernetes:helm.sh/v3:Release" in types
    assert "kubernetes:cilium.io/v2:CiliumNetworkPolicy" in types
    assert all(name.startswith(("network", "aks", "cilium", "policies")) for name in report["names"])
    assert any(name.startswith("team-a/") for name in report["outputs"]["policies"])
    assert report["secret_outputs"] == ["kubeconfig"]
    assert report["policy_dependencies"]
    assert all(report["release"] in dependencies for dependencies in report["policy_dependencies"])


def test_the_program_consumes_the_library_as_a_team_would(project_dir: Path) -> None:
    """The root program installs the library from components/ (editable), as the README tells teams to install it."""
    requirements = (project_dir / "requirements.txt").read_text().splitlines()
    assert "-e ./components" in requirements
    assert LIBRARY["name"] == PACKAGE_NAME
    assert version(PACKAGE_NAME) == PACKAGE_VERSION, "the installed library is the one in components/"


def test_the_pinned_versions_lie_in_the_librarys_ranges(project_dir: Path) -> None:
    """Each dependency of the library is a compatible range (`~=`, PEP 440: the same minor, this patch or later) that
    the exact pin of the root requirements.txt satisfies; a team may be a patch ahead, never a minor."""
    pins = {}
    for line in (project_dir / "requirements.txt").read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if "==" in text:
            name, _, exact = text.partition("==")
            pins[canonicalize_name(name)] = Version(exact)
    for dependency in LIBRARY["dependencies"]:
        requirement = Requirement(dependency)
        (specifier,) = requirement.specifier
        assert specifier.operator == "~=", f"{dependency}: a compatible range, not {specifier.operator}"
        assert len(Version(specifier.version).release) == 3, f"{dependency}: ~= with a patch keeps the minor"
        pinned = pins[canonicalize_name(requirement.name)]
        assert pinned in requirement.specifier, f"requirements.txt pins {requirement.name}=={pinned}, outside {dependency}"
        # An epoch (grafana-foundation-sdk has one) orders before the release: the next versions keep it.
        ahead = Version(f"{pinned.epoch}!{pinned.major}.{pinned.minor}.{pinned.micro + 1}")
        next_minor = Version(f"{pinned.epoch}!{pinned.major}.{pinned.minor + 1}.0")
        assert ahead in requirement.specifier
        assert next_minor not in requirement.specifier
