"""The connectivity check's script run by /bin/sh against a stand-in curl, so a test decides what each probe meets."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

FAKE_CURL = """#!/bin/sh
# Stands in for curl: prints the write-out and exits as FAKE_<host> says ("exit code, time_namelookup, time_connect").
for arg; do url=$arg; done
host=$(echo "$url" | sed 's#.*://##; s#[:/].*##; s#[.-]#_#g')
eval outcome=\\$FAKE_$host
set -- $outcome
printf '%s %s' "$2" "$3"
[ "$1" = 0 ] || echo "curl: ($1) simulated" >&2
exit "$1"
"""


def host_variable(url: str) -> str:
    """The environment variable that holds what the probe of `url` meets."""
    host = url.split("://")[1].split(":")[0].split("/")[0]
    return "FAKE_" + host.replace(".", "_").replace("-", "_")


def run_script(script: str, workdir: Path, outcomes: Mapping[str, tuple[int, str, str]]) -> subprocess.CompletedProcess[str]:
    """Run `script` with the stand-in curl first on PATH; `outcomes` maps a URL to (curl exit code, time_namelookup,
    time_connect)."""
    fake = workdir / "curl"
    fake.write_text(FAKE_CURL)
    fake.chmod(0o755)
    env = {"PATH": f"{workdir}:/usr/bin:/bin"} | {host_variable(url): " ".join(map(str, o)) for url, o in outcomes.items()}
    return subprocess.run(["/bin/sh", "-c", script], env=env, cwd=workdir, capture_output=True, text=True, check=False)
