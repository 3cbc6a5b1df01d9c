"""Which way the code leans (docs/architecture.md), checked on the source: an app imports only
from the apps below it, and a view from no other view module and no template tag."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each app, and the apps it may import from (config is below them all).
BELOW = {
    "config": set(),
    "tasks_registry": {"config"},
    "ownership": {"config", "tasks_registry"},
    "reviews": {"config", "tasks_registry", "ownership"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _sources(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("app", sorted(BELOW))
def test_an_app_imports_only_from_the_apps_below_it(app):
    wrong = {
        (str(path.relative_to(ROOT)), name)
        for path in _sources(app)
        for name in _imports(path)
        if name.split(".")[0] in BELOW
        and name.split(".")[0] != app
        and name.split(".")[0] not in BELOW[app]
    }
    assert sorted(wrong) == []


def test_no_view_imports_another_view_module_or_a_template_tag():
    views = [
        path
        for app in ("tasks_registry", "ownership", "reviews")
        for path in (ROOT / app / "views").glob("*.py")
    ]
    assert len(views) > 10
    wrong = {
        (str(path.relative_to(ROOT)), name)
        for path in views
        for name in _imports(path)
        if name.startswith(("tasks_registry.views", "ownership.views", "reviews.views"))
        or ".templatetags" in name
    }
    assert sorted(wrong) == []
