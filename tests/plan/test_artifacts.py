"""Cilium's artifacts: where they are looked for, in which order, and that only the pinned bytes are ever used.

Downloads are tested against an HTTP server on 127.0.0.1 that serves copies from a temporary directory (this machine
has no other network); it answers a bounded number of requests and is shut down by the fixture, or by its own timer.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from offline.artifacts import (
    ENV_VAR,
    ArtifactError,
    chart_name,
    pinned_sums,
    resolve,
    upstream_urls,
    user_cache_root,
)
from tests.support.artifacts import ARTIFACTS, requires_artifacts

VERSION = "1.20.0"
SERVER_LIFETIME_S = 120
MAX_REQUESTS = 50


@pytest.fixture
def pristine(tmp_path: Path) -> Path:
    """A copy of the verified artifacts in a temporary directory (never in the repository)."""
    assert ARTIFACTS is not None
    copy = tmp_path / "pristine"
    copy.mkdir()
    for name in pinned_sums(VERSION):
        shutil.copyfile(ARTIFACTS.file(name), copy / name)
    return copy


def tamper(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the file
    path.write_bytes(bytes(data))


@dataclass
class LocalServer:
    """Serves `root` on 127.0.0.1 and counts the requests it answered."""

    root: Path
    requests: list[str] = field(default_factory=list)
    port: int = 0

    def urls(self, version: str = VERSION) -> dict[str, str]:
        base = f"http://127.0.0.1:{self.port}"
        return upstream_urls(version, chart_repository=f"{base}/charts", release_files=f"{base}/cilium/v{{version}}")

    def publish(self, files: Path, version: str = VERSION) -> None:
        """Lay `files` out as Cilium publishes them, under this server's root."""
        for name, url in self.urls(version).items():
            target = self.root / url.split("/", 3)[3]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(files / name, target)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    served = LocalServer(tmp_path / "www")
    served.root.mkdir()

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append(self.path)
            if len(served.requests) > MAX_REQUESTS:
                self.send_error(429)
                return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(served.root)))
    served.port = httpd.server_address[1]
    # `shutdown` waits for the serving loop to notice, which checks every `poll_interval` (0.5 s by default,
    # CPython `Lib/socketserver.py`): a short one lets each test end as soon as it is done.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    deadline = threading.Timer(SERVER_LIFETIME_S, httpd.shutdown)
    deadline.start()
    try:
        yield served
    finally:
        deadline.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def closed_port_urls() -> dict[str, str]:
    """URLs nothing listens on: a download that cannot happen, as on a machine without network."""
    return upstream_urls(VERSION, chart_repository="http://127.0.0.1:9", release_files="http://127.0.0.1:9/v{version}")


def test_pinned_sums_cover_everything_the_harness_reads() -> None:
    """The pinned file lists the chart, its values and schema, and both policy CRDs (facts from Cilium's release)."""
    sums = pinned_sums(VERSION)
    assert {chart_name(VERSION), "values.yaml", "values.schema.json", "ciliumnetworkpolicies.yaml"} <= set(sums)
    assert all(len(digest) == 64 and int(digest, 16) >= 0 for digest in sums.values())


def test_a_version_without_pinned_sums_is_refused() -> None:
    with pytest.raises(ArtifactError, match=r"no pinned SHA-256 sums for Cilium 9\.9\.9"):
        resolve("9.9.9", environ={})


def test_upstream_locations() -> None:
    """Where Cilium publishes them: the chart repository's root (helm.cilium.io, as its index lists
    `cilium-<version>.tgz`), and the cilium/cilium repository at tag v<version>: `install/kubernetes/cilium/` for the
    chart's values, schema and metadata, `pkg/k8s/apis/cilium.io/client/crds/v2/` for the CRDs
    (shared/cilium/1.20.0/README.md names both)."""
    urls = upstream_urls(VERSION)
    assert urls["cilium-1.20.0.tgz"] == "https://helm.cilium.io/cilium-1.20.0.tgz"
    assert urls["values.schema.json"] == (
        "https://raw.githubusercontent.com/cilium/cilium/v1.20.0/install/kubernetes/cilium/values.schema.json"
    )
    assert urls["ciliumnetworkpolicies.yaml"] == (
        "https://raw.githubusercontent.com/cilium/cilium/v1.20.0/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml"
    )
    assert set(urls) == set(pinned_sums(VERSION))


def test_user_cache_follows_xdg(tmp_path: Path) -> None:
    """XDG Base Directory spec: `$XDG_CACHE_HOME`, else `~/.cache`."""
    assert user_cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "aks-cilium" / "cilium"
    assert user_cache_root({}) == Path.home() / ".cache" / "aks-cilium" / "cilium"


@requires_artifacts
def test_the_environment_variable_comes_first(pristine: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shutil.copytree(pristine, shared / VERSION)
    found = resolve(VERSION, environ={ENV_VAR: str(pristine)}, shared_root=shared, cache_root=tmp_path / "cache")
    assert (found.directory, found.origin) == (pristine, f"${ENV_VAR}")
    assert found.chart == pristine / "cilium-1.20.0.tgz"


@requires_artifacts
def test_an_incomplete_folder_falls_through_to_the_shared_one(pristine: Path, tmp_path: Path) -> None:
    partial_copy = tmp_path / "partial"
    partial_copy.mkdir()
    shutil.copyfile(pristine / "values.yaml", partial_copy / "values.yaml")
    shared = tmp_path / "shared"
    shutil.copytree(pristine, shared / VERSION)
    found = resolve(VERSION, environ={ENV_VAR: str(partial_copy)}, shared_root=shared, cache_root=tmp_path / "cache")
    assert (found.directory, found.origin) == (shared / VERSION, "../shared")


@requires_artifacts
def test_a_tampered_archive_is_refused_even_with_a_good_copy_elsewhere(pristine: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(pristine, tampered)
    tamper(tampered / "cilium-1.20.0.tgz")
    shared = tmp_path / "shared"
    shutil.copytree(pristine, shared / VERSION)
    with pytest.raises(ArtifactError) as refused:
        resolve(VERSION, environ={ENV_VAR: str(tampered)}, shared_root=shared, cache_root=tmp_path / "cache")
    message = str(refused.value)
    assert "not the pinned ones, refused" in message
    assert "cilium-1.20.0.tgz" in message
    assert hashlib.sha256((tampered / "cilium-1.20.0.tgz").read_bytes()).hexdigest() in message
    assert "values.yaml" not in message  # only the file that differs is named


@requires_artifacts
def test_the_user_cache_is_used_before_any_download(pristine: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(pristine, cache / VERSION)
    found = resolve(VERSION, environ={}, shared_root=tmp_path / "none", cache_root=cache, urls=closed_port_urls())
    assert found.origin == "user cache"


@requires_artifacts
def test_download_into_the_cache_then_reuse(pristine: Path, tmp_path: Path, server: LocalServer) -> None:
    server.publish(pristine)
    cache = tmp_path / "cache"
    found = resolve(VERSION, environ={}, shared_root=tmp_path / "none", cache_root=cache, urls=server.urls())
    assert (found.origin, found.directory) == ("download", cache / VERSION)
    assert sorted(p.name for p in (cache / VERSION).iterdir()) == sorted(pinned_sums(VERSION))
    assert len(server.requests) == len(pinned_sums(VERSION))
    again = resolve(VERSION, environ={}, shared_root=tmp_path / "none", cache_root=cache, urls=server.urls())
    assert again.origin == "user cache"
    assert len(server.requests) == len(pinned_sums(VERSION))  # nothing fetched twice


@requires_artifacts
def test_a_download_with_a_bad_checksum_is_refused_and_not_stored(pristine: Path, tmp_path: Path, server: LocalServer) -> None:
    tamper(pristine / "cilium-1.20.0.tgz")
    server.publish(pristine)
    cache = tmp_path / "cache"
    with pytest.raises(ArtifactError) as refused:
        resolve(VERSION, environ={}, shared_root=tmp_path / "none", cache_root=cache, urls=server.urls())
    message = str(refused.value)
    assert "cilium-1.20.0.tgz refused" in message
    assert "nothing was stored" in message
    assert not (cache / VERSION / "cilium-1.20.0.tgz").exists()
    assert not [p for p in (cache / VERSION).iterdir() if p.name.startswith(".")]  # no half-written temporary file


@requires_artifacts
def test_a_corrupted_cache_file_is_fetched_again(pristine: Path, tmp_path: Path, server: LocalServer) -> None:
    server.publish(pristine)
    cache = tmp_path / "cache"
    shutil.copytree(pristine, cache / VERSION)
    tamper(cache / VERSION / "values.yaml")
    found = resolve(VERSION, environ={}, shared_root=tmp_path / "none", cache_root=cache, urls=server.urls())
    assert found.origin == "download"
    assert server.requests == ["/cilium/v1.20.0/install/kubernetes/cilium/values.yaml"]
    assert (cache / VERSION / "values.yaml").read_bytes() == (pristine / "values.yaml").read_bytes()


def test_no_copy_and_no_network_says_what_was_tried(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as unavailable:
        resolve(
            VERSION,
            environ={ENV_VAR: str(tmp_path / "nowhere")},
            shared_root=tmp_path / "none",
            cache_root=tmp_path / "cache",
            urls=closed_port_urls(),
            timeout=5,
        )
    message = str(unavailable.value)
    assert "cannot get Cilium 1.20.0's chart and CRDs" in message
    for attempt in (f"${ENV_VAR} {tmp_path / 'nowhere'}", "../shared", "user cache", "download of http://127.0.0.1:9/"):
        assert attempt in message
    assert f"Fix: set {ENV_VAR}" in message


def test_under_ci_a_missing_artifact_fails_instead_of_skipping() -> None:
    def check() -> None:
        raise AssertionError("never runs without the artifacts")

    failing = requires_artifacts(check, unavailable="no chart here", ci=True)
    with pytest.raises(pytest.fail.Exception, match=r"CI=true and Cilium's artifacts cannot be had.*no chart here"):
        failing()
    skipped = requires_artifacts(check, unavailable="no chart here", ci=False)
    assert [mark.kwargs["reason"] for mark in getattr(skipped, "pytestmark", []) if mark.name == "skip"] == ["no chart here"]
    assert requires_artifacts(check, unavailable="", ci=True) is check
