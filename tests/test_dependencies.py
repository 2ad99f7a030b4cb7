"""Apps depend downward only: partners ← renewals ← notifications ← demo.

Each app may import the apps below it and never one above, so a change to reminders cannot break
partners, and every rule has one home that the apps above it read. Every import statement counts,
those inside functions too; migrations are left out (Django writes them, and they name models by
app label anyway).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each app, with the apps it must never import (those above it).
LAYERS = {
    "partners": {"renewals", "notifications", "demo"},
    "renewals": {"notifications", "demo"},
    "notifications": {"demo"},
}


def modules_of(app):
    return sorted(path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts)


def imported_apps(path, app):
    """The top-level packages ``path`` imports (a relative import stays inside ``app``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(app if node.level else node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_no_app_above_it(app):
    upward = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path, app) & LAYERS[app])
        for path in modules_of(app)
        if imported_apps(path, app) & LAYERS[app]
    }
    assert upward == {}


def test_the_checker_sees_imports_inside_functions_too(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from renewals.windows import windows_for\n    import notifications.sweep\n")
    assert imported_apps(module, "partners") == {"renewals", "notifications"}


def test_the_checker_reads_every_app():
    for app in LAYERS:
        assert len(modules_of(app)) > 5, app
