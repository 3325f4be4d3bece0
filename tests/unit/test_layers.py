"""Imports flow one way (docs/architecture.md): the services never import the channels or the
workers, the views reach neither except through the services, and the command line reads the
channels' declarations through them. Only create_app (meldecentral/__init__.py) wires them
together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported(path: Path) -> set[str]:
    """Top-level packages a module imports, wherever in it (a function's import counts too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("meldecentral/services", {"notifications", "workers"}),
        ("meldecentral/db", {"notifications", "workers"}),
        ("meldecentral/api", {"notifications", "workers"}),
        ("meldecentral/web", {"notifications", "workers"}),
        ("meldecentral/cli", {"notifications"}),
        ("notifications", {"meldecentral", "workers", "flask", "sqlalchemy"}),
    ],
)
def test_no_import_runs_backwards(folder, forbidden):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported(path) & forbidden)
        for path in sorted((ROOT / folder).rglob("*.py"))
        if imported(path) & forbidden
    }
    assert not wrong, wrong
