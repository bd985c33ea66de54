"""The metadata is in pyproject.toml; this file only adds one build step: the wheel carries
compiled translations (.mo), which are not in git, so building compiles them and fails without them."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path("kaiku_training", "translations")


class BuildWithTranslations(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads app/translations (make translations)
            compile_translations(Path(self.build_lib) / TRANSLATIONS)


def compile_translations(directory: Path) -> None:
    """Compile every catalogue beside its .po, as `pybabel compile` does; stop the build on any error."""
    from babel.messages.frontend import CommandLineInterface

    catalogues = sorted(directory.glob("*/LC_MESSAGES/*.po"))
    if not catalogues:
        raise SystemExit(f"No translations (*.po) under {directory}: the wheel would have no languages.")
    if CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(directory)]):
        raise SystemExit("pybabel compile failed: the wheel would lack translations.")
    missing = [str(po) for po in catalogues if not po.with_suffix(".mo").is_file()]
    if missing:
        raise SystemExit(f"pybabel compile left no .mo for {', '.join(missing)} (a fuzzy catalogue?).")


setup(cmdclass={"build_py": BuildWithTranslations})
