"""A generated courses/ tree the size of a large national curriculum."""

from pathlib import Path

PARAGRAPH = (
    "Kaikukortti-toiminta on kulttuurin ja sosiaali-, terveys- ja hyvinvointipalvelujen yhteistyötä. "
    "Tämä kappale on luotu suorituskykymittausta varten, ja sen pituus vastaa tavallista oppituntia. "
)


def lesson(title: str, number: int) -> str:
    sections = "\n\n".join(f"## Osa {part}\n\n{PARAGRAPH * 3}\n\n- kohta yksi\n- kohta kaksi\n" for part in range(1, 5))
    table = "| Tehtävä | Kuka |\n|---|---|\n| Viestintä | Koordinaattori |\n| Sopimukset | Työryhmä |\n"
    return (
        f'---\ntitle: {title} {number}\nminutes: 8\n---\n{sections}\n\n{table}\n\n!!! tip "Vinkki"\n    {PARAGRAPH}\n'
    )


def generate_tree(root: Path, courses: int = 50, lessons: int = 20, locales=("fi", "sv", "en")) -> None:
    for course_number in range(courses):
        folder = root / f"course-{course_number:03d}"
        (folder / "lessons").mkdir(parents=True)
        keys = [f"lesson-{number:02d}" for number in range(lessons)]
        modules = "\n".join(
            f'[[modules]]\nkey = "module-{start}"\ntitle = {{ fi = "Moduuli {start}", sv = "Modul {start}", '
            f'en = "Module {start}" }}\nlessons = {keys[start : start + 5]!r}\n'.replace("'", '"')
            for start in range(0, lessons, 5)
        )
        (folder / "course.toml").write_text(
            f"order = {course_number}\nestimated_minutes = {lessons * 8}\nrenewal_months = 12\n"
            f'[title]\nfi = "Kurssi {course_number}"\nsv = "Kurs {course_number}"\nen = "Course {course_number}"\n'
            f"{modules}"
        )
        for key_number, key in enumerate(keys):
            for locale in locales:
                (folder / "lessons" / f"{key}.{locale}.md").write_text(lesson(f"Oppitunti {locale}", key_number))
