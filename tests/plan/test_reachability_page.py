"""reachability.html in a real browser: Debian's Chromium, headless, draws the picture and the matrix from the
embedded data, and the page asks the network for nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from offline.engine import plan_mocks
from offline.plan import ordered, stack_expectations
from offline.reachability import analyse
from offline.reachability.page import render_page
from offline.stack_config import load_stack_config
from tests.support.plan_steps import shared_run

# Debian names it chromium; GitHub's Ubuntu runners ship Google Chrome, the same engine.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
# Skipped where Chromium is missing, except on CI (.ci/run installs it), where that is a failure.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true", reason="Chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = load_stack_config("dev")
    path = tmp_path_factory.mktemp("page") / "reachability.html"
    # The dev run the plan tests share, when this process has one (tests/support/plan_steps.py).
    path.write_text(render_page(analyse(ordered(shared_run(config, plan_mocks())), stack_expectations(config)), "dev"))
    return path


@pytest.fixture(scope="module")
def rendered(page: Path) -> str:
    """The DOM after the page's script ran, as Chromium serialises it."""
    assert CHROMIUM is not None, "Chromium is required on CI"
    profile = page.parent / "profile"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout


def test_the_picture_shows_every_namespace_and_the_allowed_flows(rendered: str) -> None:
    nodes = set(re.findall(r'<g class="node[^"]*" data-node="([^"]+)"', rendered))
    assert {"client", "demo", "default", "kube-system", "fqdn:google.com"} <= nodes
    edges = set(re.findall(r'data-from="([^"]+)" data-to="([^"]+)"', rendered))
    assert ("client", "demo") in edges
    assert ("client", "fqdn:google.com") in edges
    assert ("default", "demo") not in edges, "a denied flow draws no arrow"
    assert ("client", "cidr:169.254.169.254/32") not in edges


def test_the_matrix_and_the_expectations_are_on_the_page(rendered: str) -> None:
    rows = re.findall(r"<tr><th>([^<]+)</th>((?:<td[^>]*>[^<]*</td>)+)</tr>", rendered)
    cells = {target: re.findall(r"<td[^>]*>([^<]*)</td>", row) for target, row in rows}
    header = re.findall(r"<th>([^<]+)</th>", rendered.split("<tbody>")[0].split('id="matrix"')[1])
    sources = header[1:]
    demo = dict(zip(sources, cells["demo"], strict=True))
    assert demo["client"] != "-"
    assert demo["default"] == "-"
    assert "flows allowed (byocni)" in rendered
    assert 'class="ok">ok   client -&gt; github.com:443 deny' in rendered


class _Fetches(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "xlink:href") and value and "://" in value]


def test_the_page_is_self_contained(page: Path) -> None:
    text = page.read_text()
    parser = _Fetches()
    parser.feed(text)
    assert parser.urls == [], "no src or href reaches out"
    assert "default-src 'none'" in text, "and the Content Security Policy forbids any fetch"
