"""Write small course trees for tests."""

from pathlib import Path

COURSE_TOML = """\
order = 1
estimated_minutes = 30
renewal_months = {renewal_months}
requires_live_session = {live}
audience = ["coordinator"]

[title]
fi = "Testikurssi"
sv = "Testkurs"
en = "Test course"

[summary]
fi = "Kurssi testejä varten."
sv = "En kurs för tester."
en = "A course for tests."

[[modules]]
key = "basics"
title = {{ fi = "Perusteet", sv = "Grunder", en = "Basics" }}
lessons = ["first", "second"]
check = "basics"
"""

CHECK_TOML = """\
pass_mark = 100

[[questions]]
key = "card-for"
kind = "single"
text = { fi = "Kenelle kortti on?", sv = "Vem är kortet för?", en = "Who is the card for?" }
explanation = { fi = "Selitys.", sv = "Förklaring.", en = "Because the guideline says so." }
options = [
  { key = "a", text = { fi = "Asiakkaille", sv = "Klienter", en = "Clients" }, correct = true },
  { key = "b", text = { fi = "Kaikille", sv = "Alla", en = "Everyone" } },
]

[[questions]]
key = "parties"
kind = "multiple"
text = { fi = "Ketkä osallistuvat?", sv = "Vilka deltar?", en = "Who takes part?" }
explanation = { fi = "Molemmat.", sv = "Båda.", en = "Both sectors." }
options = [
  { key = "culture", text = { fi = "Kulttuuri", sv = "Kultur", en = "Culture" }, correct = true },
  { key = "social", text = { fi = "Sote", sv = "Social", en = "Social services" }, correct = true },
  { key = "banks", text = { fi = "Pankit", sv = "Banker", en = "Banks" } },
]
"""


def lesson_text(title: str, body: str = "Some text.") -> str:
    return f"---\ntitle: {title}\nminutes: 5\n---\n{body}\n\n## Section\n\nMore text.\n"


def write_course(
    root: Path, key: str = "test-course", renewal_months: int = 12, live: bool = False, languages=("fi", "sv", "en")
) -> Path:
    folder = root / key
    (folder / "lessons").mkdir(parents=True)
    (folder / "checks").mkdir()
    (folder / "files").mkdir()
    (folder / "course.toml").write_text(COURSE_TOML.format(renewal_months=renewal_months, live=str(live).lower()))
    (folder / "checks" / "basics.toml").write_text(CHECK_TOML)
    (folder / "files" / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    for locale in languages:
        (folder / "lessons" / f"first.{locale}.md").write_text(
            lesson_text(f"First {locale}", "Read [the second](second.md).\n\n![A diagram](files/diagram.svg)")
        )
        (folder / "lessons" / f"second.{locale}.md").write_text(lesson_text(f"Second {locale}"))
    return folder
