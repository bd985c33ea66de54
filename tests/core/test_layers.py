"""The floors of the house: core is the ground floor every feature stands on, so it imports none
of them; demo stands on every feature, so nothing but the app factory imports it."""

import ast
from pathlib import Path

import kaiku_training as app

APP_DIR = Path(app.__file__).resolve().parent
FEATURES = {"accounts", "audit", "calendar", "curriculum", "demo", "events", "meetings", "outbox", "reports"}


def _imported_packages(path: Path) -> set[str]:
    """The package right under `kaiku_training` of every module the file imports, relative or absolute."""
    package = ["kaiku_training", *path.relative_to(APP_DIR).parent.parts]  # what `from .` means in the file
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            if node.module:
                names.append(".".join([*base, node.module]))
            else:  # from .. import x: x may be a package
                names += [".".join([*base, alias.name]) for alias in node.names]
    return {name.split(".")[1] for name in names if name.startswith("kaiku_training.")}


def _python_files(*parts: str) -> list[Path]:
    return sorted(APP_DIR.joinpath(*parts).rglob("*.py"))


def test_core_imports_no_feature():
    offending = [
        f"{path.relative_to(APP_DIR)} imports {', '.join(sorted(_imported_packages(path) & FEATURES))}"
        for path in _python_files("core")
        if _imported_packages(path) & FEATURES
    ]
    assert not offending, "core must import no feature: " + "; ".join(offending)


def test_only_the_app_factory_imports_demo():
    offending = [
        str(path.relative_to(APP_DIR))
        for path in _python_files()
        if path.parent.name != "demo" and path != APP_DIR / "__init__.py" and "demo" in _imported_packages(path)
    ]
    assert not offending, "only app/__init__.py may import app.demo: " + ", ".join(offending)


def test_the_app_factory_lists_every_feature_and_each_mounts_itself():
    packages = {path.name for path in APP_DIR.iterdir() if (path / "__init__.py").exists()}
    assert {feature.__name__.split(".")[1] for feature in app.FEATURES} == packages
    assert all(callable(getattr(feature, "init_app", None)) for feature in app.FEATURES)


def test_organiser_pages_have_one_name():
    """Pages for organisers are each feature's manage.py, never admin_views, staff_views, …"""
    strays = [str(path.relative_to(APP_DIR)) for path in _python_files() if path.stem.endswith("_views")]
    assert not strays, "organiser views go in <feature>/manage.py: " + ", ".join(strays)
    assert all(
        (APP_DIR / feature / "views.py").exists() or (APP_DIR / feature / "manage.py").exists()
        for feature in FEATURES - {"demo"}
    )


def test_the_package_imports_itself_relatively():
    """Installed as kaiku_training from the folder app/: an absolute import of either name inside
    would load a second copy of a module, or a host's own `app` package."""
    offending = [
        str(path.relative_to(APP_DIR))
        for path in _python_files()
        if any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and not getattr(node, "level", 0)
            and any(
                name.split(".")[0] in {"app", "kaiku_training"}
                for name in (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
                )
            )
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert not offending, "import from inside the package relatively: " + ", ".join(offending)
