"""Finding (or installing) the peer tools: hledger from Debian, beancount from PyPI.

They are compared against, never depended on: when one cannot be had the row
says so and the rest of the benchmark goes on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _quiet(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=600).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def hledger(install: bool) -> tuple[str | None, str]:
    found = shutil.which("hledger")
    if found or not install:
        return found, "" if found else "hledger not installed (run without --no-install)"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "hledger skipped: needs root and apt-get to install the Debian package"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    ok = (
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "hledger"], capture_output=True, env=env
        ).returncode
        == 0
    )
    if not ok:
        _quiet(["apt-get", "update", "-qq"])
        ok = _quiet(["apt-get", "install", "-y", "-qq", "hledger"])
    found = shutil.which("hledger")
    return found, "" if found else "hledger skipped: apt-get install hledger failed"


def bean_check(install: bool) -> tuple[str | None, str]:
    here = Path(sys.executable).with_name("bean-check")
    if here.exists():
        return str(here), ""
    if not install:
        return None, "bean-check not installed (run without --no-install)"
    _quiet([sys.executable, "-m", "pip", "install", "--quiet", "beancount"])
    if here.exists():
        return str(here), ""
    return None, "bean-check skipped: pip install beancount failed"
