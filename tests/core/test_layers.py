"""Core is the ground floor: the features stand on it, so it may not import any of them."""
import ast
from pathlib import Path

import app

APP_DIR = Path(app.__file__).resolve().parent
FEATURES = {"accounts", "audit", "calendar", "curriculum", "demo", "events", "meetings", "outbox", "reports"}


def _imported_packages(path: Path) -> set[str]:
    """The first part under `app` of every module the file imports, relative or absolute."""
    packages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x: inside core itself
                continue
            if node.level == 2:  # from ..x import y, or from .. import x
                names = [node.module] if node.module else [alias.name for alias in node.names]
                names = [f"app.{name}" for name in names]
            else:
                names = [node.module or ""]
        else:
            continue
        packages.update(name.split(".")[1] for name in names if name.startswith("app.") and "." in name)
    return packages


def test_core_imports_no_feature():
    offending = {f"{path.relative_to(APP_DIR)}: {', '.join(sorted(_imported_packages(path) & FEATURES))}"
                 for path in sorted((APP_DIR / "core").rglob("*.py")) if _imported_packages(path) & FEATURES}
    assert not offending, "core imports features: " + "; ".join(sorted(offending))
