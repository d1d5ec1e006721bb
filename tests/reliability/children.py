"""Starting the worker programs as real OS processes, with the repository on their path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Larger settings for a manual run: VIALBOOK_STRESS=1 pytest tests/reliability
STRESS = os.environ.get("VIALBOOK_STRESS") == "1"


def start_worker(name: str, *args: object) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", f"tests.reliability.workers.{name}", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
