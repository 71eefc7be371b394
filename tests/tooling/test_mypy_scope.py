"""mypy follows only the SDK namespaces the code imports (pyproject.toml): every namespace in use must be followed,
or mypy would see that namespace as Any and check none of the calls into it."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

SDKS = ("pulumi_azure_native", "pulumi_kubernetes", "pulumiverse_grafana")


def _mypy(project_dir: Path) -> dict[str, object]:
    config: dict[str, object] = tomllib.loads((project_dir / "pyproject.toml").read_text())["tool"]["mypy"]
    return config


def _checked_files(project_dir: Path) -> list[Path]:
    files: list[Path] = []
    for entry in _mypy(project_dir)["files"]:  # type: ignore[attr-defined]
        path = project_dir / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def sdk_modules_used(tree: ast.AST) -> Iterator[str]:
    """`pkg.namespace` for each SDK namespace a module imports, by name or through the package's attributes (a
    namespace is a lower-case module; `k8s.Provider` is a class of the package itself)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                root, *rest = name.name.split(".")
                if root in SDKS:
                    if rest:
                        yield f"{root}.{rest[0]}"
                    if name.asname or not rest:
                        aliases[name.asname or root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in SDKS:
            root, *rest = node.module.split(".")
            yield from ([f"{root}.{rest[0]}"] if rest else (f"{root}.{name.name}" for name in node.names))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases and node.attr.islower():
            yield f"{aliases[node.value.id]}.{node.attr}"


def _setting(project_dir: Path, module: str) -> str:
    """follow_imports for `module` as mypy resolves it: a concrete name before any wildcard, then the longest
    structured wildcard; `pkg.*` matches `pkg` itself and every submodule (python/mypy docs/source/config_file.rst)."""
    best, setting = -1, "normal"
    for override in _mypy(project_dir).get("overrides", []):  # type: ignore[attr-defined]
        patterns = override["module"] if isinstance(override["module"], list) else [override["module"]]
        for pattern in patterns:
            exact = pattern == module
            prefix = pattern.removesuffix(".*")
            wildcard = pattern.endswith(".*") and (module == prefix or module.startswith(prefix + "."))
            if (exact or wildcard) and "follow_imports" in override:
                rank = 1_000 if exact else len(pattern)
                if rank > best:
                    best, setting = rank, override["follow_imports"]
    return setting


def test_every_sdk_namespace_in_use_is_followed(project_dir: Path) -> None:
    used = {module for path in _checked_files(project_dir) for module in sdk_modules_used(ast.parse(path.read_text()))}
    assert {"pulumi_azure_native.containerservice", "pulumi_kubernetes.core"} <= used, sorted(used)
    skipped = sorted(module for module in used if _setting(project_dir, module) == "skip")
    assert not skipped, f"add these to the follow_imports = 'silent' override in pyproject.toml: {skipped}"


def test_the_walker_sees_every_import_form() -> None:
    tree = ast.parse(
        "import pulumi_kubernetes as k8s\n"
        "import pulumi_kubernetes.batch.v1\n"
        "from pulumi_azure_native import network, resources\n"
        "from pulumi_azure_native.monitor import DataCollectionRule\n"
        "k8s.core.v1.Namespace('n')\n"
    )
    assert set(sdk_modules_used(tree)) == {
        "pulumi_kubernetes.core",
        "pulumi_kubernetes.batch",
        "pulumi_azure_native.network",
        "pulumi_azure_native.resources",
        "pulumi_azure_native.monitor",
    }


def test_an_unlisted_namespace_is_skipped(project_dir: Path) -> None:
    assert _setting(project_dir, "pulumi_azure_native.awsconnector") == "skip"
    assert _setting(project_dir, "pulumi_azure_native.network.v20240301") == "silent"
    assert _setting(project_dir, "pulumi_azure_native") == "silent"
