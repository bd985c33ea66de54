"""calendar/ knows calendars, feeds and tokens: the features whose events it shows register
them (app.calendar.sources), so nothing in it imports them and a registration's way to the
outbox goes down the floors: events -> events.calendar -> calendar.ics -> outbox. Likewise
events knows session kinds only through its registry, so it never imports the meeting."""

import ast
from pathlib import Path

import pytest

from kaiku_training import PACKAGE_DIR


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of what the module imports, relative imports resolved."""
    package = ["app", *path.parent.relative_to(PACKAGE_DIR).parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join(parts + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _imports_of(package: str, features: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(PACKAGE_DIR)}: {name}"
        for path in (PACKAGE_DIR / package).rglob("*.py")
        for name in _imported_modules(path)
        if any(name == f"app.{feature}" or name.startswith(f"app.{feature}.") for feature in features)
    )


def test_calendar_imports_no_feature_whose_events_it_shows():
    assert _imports_of("calendar", ("events", "meetings", "curriculum")) == []


@pytest.mark.parametrize("package", ["events"])
def test_events_never_import_the_meeting(package):
    assert _imports_of(package, ("meetings",)) == []
