"""Every UI string is translated: no English left on Finnish or Swedish pages."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kaiku_training import PACKAGE_DIR

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(locale):
    with open(PACKAGE_DIR / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _template_ids():
    with open(PACKAGE_DIR / "translations" / "messages.pot", "rb") as handle:
        return {
            message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id
        }


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_catalog_translates_every_message(locale):
    catalog = _catalog(locale)
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id}
    assert _template_ids() <= ids, "run `make update-messages` and translate the new strings"
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy and all(strings), f"untranslated in {locale}: {message.id!r}"
        source = message.id if isinstance(message.id, str) else message.id[0]
        for string in strings:
            assert set(PLACEHOLDER.findall(source)) <= set(PLACEHOLDER.findall(string)) | {"%(num)d"}, message.id


def test_catalog_template_is_current(tmp_path):
    """The .pot file holds every string in the code (re-extract and compare)."""
    from babel.messages.frontend import CommandLineInterface

    output = tmp_path / "fresh.pot"
    root = Path(PACKAGE_DIR).parent
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(output),
            "--no-location",
            str(root),
        ]
    )
    with open(output, "rb") as handle:
        fresh = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert len(fresh) > 100, "the extraction found no strings: check babel.cfg"
    assert fresh <= _template_ids(), f"not extracted yet: {sorted(fresh - _template_ids())[:10]}"
