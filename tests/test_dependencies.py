"""Apps depend downward only: partners ← renewals (with offers) ← notifications ← demo, and the apps
built on top of them (followups, reports, imports, api), which nothing below imports.

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
TOP = {"followups", "reports", "imports", "api"}
# The rules of offers (which offer and variant a customer gets, exposures, statistics) sit with
# renewals, whose prices apply them: a layer of their own name. The rest of offers (its pages, the
# experiment report, which counts reminders sent) sits above notifications.
OFFER_RULES = {"__init__", "apps", "models", "assignment", "selection", "exposure", "stats"}
# Each layer, with the layers it must never import (those above it).
LAYERS = {
    "partners": {"renewals", "offer rules", "offers", "notifications", "demo", *TOP},
    "renewals": {"offers", "notifications", "demo", *TOP},
    "offer rules": {"offers", "notifications", "demo", *TOP},
    "notifications": {"offers", "demo", *TOP},
    "offers": {"demo", *TOP},
    "followups": {"demo", "reports", "imports", "api"},
}


def layer_of(module: str) -> str:
    """The layer of a dotted module name: its app, or "offer rules" for those modules of offers."""
    app, _, rest = module.partition(".")
    if app == "offers" and rest.split(".")[0] in OFFER_RULES:
        return "offer rules"
    return app


def modules_of(layer):
    app = "offers" if layer == "offer rules" else layer
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts and layer_of(module_name(path)) == layer
    )


def module_name(path, root=ROOT) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def imported_layers(path, root=ROOT):
    """The layers of what ``path`` imports (a relative import resolved against its own package)."""
    package = module_name(path, root).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(layer_of(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                names = [module] if node.module else [f"{base}.{alias.name}" for alias in node.names]
            else:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            found.update(layer_of(name) for name in names)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_no_layer_above_it(layer):
    upward = {
        str(path.relative_to(ROOT)): sorted(imported_layers(path) & LAYERS[layer])
        for path in modules_of(layer)
        if imported_layers(path) & LAYERS[layer]
    }
    assert upward == {}


def test_the_checker_sees_imports_inside_functions_too(tmp_path):
    (tmp_path / "partners").mkdir()
    module = tmp_path / "partners" / "late.py"
    source = "def f():\n    from renewals.windows import windows_for\n    import notifications.sweep\n"
    source += "    from offers.selection import offer_for\n    from offers import views\n    from . import models\n"
    module.write_text(source)
    assert imported_layers(module, tmp_path) == {"renewals", "notifications", "offer rules", "offers", "partners"}


def test_the_checker_reads_every_layer():
    for layer in LAYERS:
        assert len(modules_of(layer)) > 5, layer
