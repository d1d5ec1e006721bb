"""Installs that repeat: everything vialbook and its dev tools need is pinned in the lock, and
the environment running the suite holds exactly those versions."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _needed(root: str, extras: frozenset[str]) -> set[str]:
    """Every distribution `root[extras]` pulls in, walked through the installed metadata."""
    seen: set[str] = set()
    todo = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        dist = metadata.distribution(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker and not any(
                req.marker.evaluate({"extra": extra}) for extra in wanted | {""}
            ):
                continue
            key = canonicalize_name(req.name)
            if key not in seen:
                seen.add(key)
                todo.append((req.name, frozenset(req.extras)))
    return seen


def test_every_dependency_of_vialbook_and_its_dev_tools_is_pinned_in_the_lock() -> None:
    needed = _needed("vialbook", frozenset({"dev"}))
    assert {"sqlalchemy", "textual", "reportlab", "pypdf", "pytest"} <= needed
    assert sorted(needed - set(_pins())) == [], "run `make lock` after changing dependencies"


def test_the_suite_runs_on_exactly_the_locked_versions() -> None:
    pins = _pins()
    installed = {
        key: metadata.version(key) for key in _needed("vialbook", frozenset({"dev"})) if key in pins
    }
    assert installed == {key: pins[key] for key in installed}
