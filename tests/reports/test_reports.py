"""Reports through HTTP: what staff, area leads and coordinators see, and that the screen, the
CSV and the XLSX show the same figures."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from kaiku_training.accounts.models import Role, Sector
from kaiku_training.audit.models import AuditEvent
from kaiku_training.events.attendance import set_attendance
from kaiku_training.events.models import Attendance
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.reports.conftest import complete_course

HELSINKI = ZoneInfo("Europe/Helsinki")


class TableReader(HTMLParser):
    """The text of every cell of every <table>, row by row; hidden helper text skipped."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell, self._hidden = [], None, None, 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if self._hidden or "visually-hidden" in classes:
            self._hidden += tag != "br"
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if self._hidden:
            self._hidden -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def html_tables(response) -> list[list[list[str]]]:
    reader = TableReader()
    reader.feed(response.get_data(as_text=True))
    return reader.tables


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_text(value) -> str:
    """A workbook cell as the CSV writes it (times are Helsinki wall time in both)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


# --- the matrix -----------------------------------------------------------------------------------


def test_matrix_shows_each_persons_status_and_progress(population, client, auth):
    auth.sign_in("admin@example.org")
    page = client.get("/reports/matrix")
    [table] = html_tables(page)
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Aino Valmis"][4] == "Suoritettu 100 %"
    assert by_name["Bertta Puolivälissä"][4] == "Kesken 33 %"
    assert by_name["Cecilia Myöhässä"][4] == "Myöhässä 0 %"
    assert by_name["Daniel Koskematon"][4] == "Ei ilmoittautunut"
    assert "6 henkilöä" in page.get_data(as_text=True)


def test_matrix_filters_by_area_sector_role_and_status(population, client, auth):
    auth.sign_in("admin@example.org")

    def names(query):
        return sorted(row[0] for row in html_tables(client.get("/reports/matrix?" + query))[0][1:])

    assert names(f"area={population.north.id}") == ["Aino Valmis", "Bertta Puolivälissä", "Leena Aluevastaava"]
    assert names("area_kind=municipality") == ["Cecilia Myöhässä", "Daniel Koskematon"]
    assert names("sector=culture") == ["Aino Valmis", "Daniel Koskematon", "Leena Aluevastaava"]
    assert names("role=area_lead") == ["Leena Aluevastaava"]
    assert names("status=overdue") == ["Cecilia Myöhässä"]
    assert names("status=in_progress&sector=social_health") == ["Bertta Puolivälissä"]


def test_matrix_sorts_by_a_course_most_urgent_first(population, client, auth):
    auth.sign_in("admin@example.org")
    rows = html_tables(client.get("/reports/matrix?sort=course:test-course"))[0][1:]
    assert [row[0] for row in rows][:3] == ["Cecilia Myöhässä", "Bertta Puolivälissä", "Aino Valmis"]
    descending = html_tables(client.get("/reports/matrix?sort=name&order=desc"))[0][1:]
    assert descending[0][0] == "Leena Aluevastaava"


def test_matrix_pages_through_many_people(population, client, auth):
    for number in range(60):
        make_user(f"extra{number}@example.org", name=f"Zz Extra {number:02d}", area=population.south, password=None)
    auth.sign_in("admin@example.org")
    first = client.get("/reports/matrix")
    assert len(html_tables(first)[0]) == 51
    second = client.get("/reports/matrix?page=2")
    assert len(html_tables(second)[0]) == 1 + 66 - 50
    assert client.get("/reports/matrix?page=3").status_code == 404
    assert len(csv_rows(client.get("/reports/matrix/people.csv"))) == 1 + 66  # the export has every page


def test_matrix_screen_csv_and_xlsx_agree(population, client, auth):
    auth.sign_in("admin@example.org")
    query = f"?area={population.north.id}&sort=name"
    screen = html_tables(client.get("/reports/matrix" + query))[0][1:]
    exported_csv = csv_rows(client.get("/reports/matrix/people.csv" + query))
    exported_xlsx = xlsx_rows(client.get("/reports/matrix/people.xlsx" + query))
    assert exported_csv[0] == [as_text(value) for value in exported_xlsx[0]]
    assert len(screen) == len(exported_csv) - 1 == len(exported_xlsx) - 1 == 3
    for shown, csv_row, xlsx_row in zip(screen, exported_csv[1:], exported_xlsx[1:], strict=False):
        name, _area, _sector, _activity, course_cell = shown
        status, percent = csv_row[6], csv_row[7]
        assert csv_row[0] == xlsx_row[0] == name
        assert course_cell == (f"{status} {percent} %" if percent else status)
        assert xlsx_row[6] == status and as_text(xlsx_row[7]) == percent
        assert isinstance(xlsx_row[7], (int, type(None)))  # numbers stay numbers in Excel


def test_summary_tables_agree_with_their_exports(population, client, auth):
    auth.sign_in("admin@example.org")
    for page_url, export_base in (
        ("/reports/areas", "/reports/areas/"),
        ("/reports/national", "/reports/national/"),
        ("/reports/course?course=test-course", "/reports/course/"),
    ):
        page = client.get(page_url)
        query = page_url.partition("?")[2]
        for key, shown in zip(_table_keys(page), html_tables(page), strict=False):
            exported = csv_rows(client.get(f"{export_base}{key}.csv?{query}"))
            workbook = xlsx_rows(client.get(f"{export_base}{key}.xlsx?{query}"))
            assert [row[0] for row in shown] == [row[0] for row in exported] == [as_text(row[0]) for row in workbook]
            for shown_row, csv_row, xlsx_row in zip(shown[1:], exported[1:], workbook[1:], strict=False):
                assert [_number(cell) for cell in shown_row[1:]] == [_number(cell) for cell in csv_row[1:]], key
                assert [_number(cell) for cell in csv_row[1:]] == [_number(as_text(cell)) for cell in xlsx_row[1:]]


def _table_keys(page) -> list[str]:
    return re.findall(r'<section class="report-table" aria-labelledby="table-([a-z]+)"', page.get_data(as_text=True))


def _number(text: str):
    """A figure as a number whether shown as '40 %', '40' or 40; an empty cell shown as '–'
    is empty; a time shown the Finnish way (27.11.2026 9.05) as in files (2026-11-27 09:05)."""
    cleaned = text.removesuffix(" %").strip()
    if finnish_time := re.fullmatch(r"(\d+)\.(\d+)\.(\d{4}) (\d+)\.(\d+)", cleaned):
        day, month, year, hour, minute = map(int, finnish_time.groups())
        return f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"
    return int(cleaned) if cleaned.isdigit() else "" if cleaned == "–" else text


# --- areas, national, course --------------------------------------------------------------------------


def test_area_summary_counts_people_and_completion_rates(population, client, auth):
    auth.sign_in("admin@example.org")
    courses, areas = html_tables(client.get("/reports/areas"))
    rows = {row[0]: row for row in areas[1:]}
    assert rows["Pohjola"][3:5] == ["3", "33 %"]  # one of three has completed
    assert rows["Etelä"][3:5] == ["2", "0 %"]
    assert rows["Ei aluetta"][3] == "1"  # the admin has no area
    assert courses[1][:4] == ["Testikurssi", "6", "3", "1"]  # people, enrolled or assigned, completed


def held_session(days_ago: int, marks: dict) -> None:
    """A session that took place `days_ago` with these people registered and marked."""
    session = make_session(starts_at=datetime.now(UTC) + timedelta(days=5))
    registrations = {register_person(session, person, "fi").id: mark for person, mark in marks.items()}
    session.starts_at = datetime.now(UTC) - timedelta(days=days_ago)
    session.ends_at = session.starts_at + timedelta(hours=2)
    db.session.commit()
    set_attendance(session, registrations)


def test_national_summary_counts_completions_sessions_and_meeting(population, client, auth):
    held_session(1, {population.done: Attendance.ATTENDED, population.halfway: Attendance.NO_SHOW})
    auth.sign_in("admin@example.org")
    tables = html_tables(client.get("/reports/national"))
    totals = {row[0]: row[1] for row in tables[0][1:]}
    assert totals["Henkilöt"] == "6" and totals["Voimassa olevat suoritukset"] == "1"
    this_month = datetime.now(HELSINKI).strftime("%Y-%m")
    completions = {row[0]: row[1] for row in tables[2][1:]}
    assert completions[this_month] == "1" and len(completions) == 12
    sessions = {row[0]: row[1:] for row in tables[3][1:]}
    month_of_session = (datetime.now(HELSINKI) - timedelta(days=1)).strftime("%Y-%m")
    assert sessions[month_of_session] == ["1", "2", "1", "1", "50 %"]


def test_course_report_shows_funnel_and_question_difficulty(population, client, auth):
    check = population.course.active_modules[0].active_check
    from kaiku_training.curriculum import services as curriculum

    curriculum.submit_check(population.halfway, check, {"card-for": ["b"], "parties": ["culture", "social"]}, "fi")
    auth.sign_in("admin@example.org")
    page = client.get("/reports/course?course=test-course&lang=en")
    funnel, questions = html_tables(page)
    assert [row[:2] for row in funnel[1:]] == [["Ilmoittautuneet", "2"], ["Aloittaneet", "2"], ["Suorittaneet", "1"]]
    by_question = {row[1]: row[2:] for row in questions[1:]}
    assert by_question["Kenelle kortti on?"] == ["2", "50 %"]
    assert by_question["Ketkä osallistuvat?"] == ["2", "100 %"]
    assert questions[1][1] == "Kenelle kortti on?"  # the hardest first
    assert page.get_data(as_text=True).count('<svg role="img"') == 2
    assert client.get("/reports/course?course=no-such-course").status_code == 404


def test_charts_carry_a_text_alternative_and_their_table(population, client, auth):
    auth.sign_in("admin@example.org")
    html = client.get("/reports/national").get_data(as_text=True)
    assert '<title id="chart-completions-title">Kurssisuoritukset kuukausittain</title>' in html
    assert 'aria-labelledby="chart-completions-title chart-completions-desc"' in html
    assert 'id="table-completions"' in html


# --- who sees what --------------------------------------------------------------------------------


def test_area_lead_sees_only_their_own_area(population, client, auth):
    auth.sign_in("lead@example.org")
    names = sorted(row[0] for row in html_tables(client.get(f"/reports/matrix?area={population.south.id}"))[0][1:])
    assert names == ["Aino Valmis", "Bertta Puolivälissä", "Leena Aluevastaava"]
    exported = csv_rows(client.get(f"/reports/matrix/people.csv?area={population.south.id}"))
    assert sorted(row[0] for row in exported[1:]) == names
    assert [row[0] for row in html_tables(client.get("/reports/areas"))[1][1:]] == ["Pohjola"]
    assert client.get(f"/reports/people/{population.halfway.id}").status_code == 200
    assert client.get(f"/reports/people/{population.overdue.id}").status_code == 403
    assert client.get("/reports/national").status_code == 403
    assert client.get("/reports/national/totals.csv").status_code == 403


def test_coordinator_sees_only_their_own_record(population, client, auth):
    auth.sign_in("halfway@example.org")
    own = client.get(f"/reports/people/{population.halfway.id}")
    assert own.status_code == 200 and "Bertta Puolivälissä" in own.get_data(as_text=True)
    assert client.get(f"/reports/people/{population.done.id}").status_code == 403
    for url in (
        "/reports/",
        "/reports/matrix",
        "/reports/areas",
        "/reports/matrix/people.csv",
        "/reports/course?course=test-course",
    ):
        assert client.get(url).status_code == 403, url
    auth.sign_out()
    assert client.get("/reports/matrix").status_code == 302  # to sign in


def test_person_page_shows_lessons_attempts_sessions_and_meetings(population, client, auth):
    held_session(2, {population.done: Attendance.ATTENDED})
    auth.sign_in("admin@example.org")
    tables = html_tables(client.get(f"/reports/people/{population.done.id}"))
    steps, attempts, sessions = tables[0], tables[1], tables[2]
    assert [row[1] for row in steps[1:]] == ["Kyllä", "Kyllä", "Kyllä – paras tulos 100 %"]
    assert attempts[1][3:] == ["100 %", "Hyväksytty"]
    assert sessions[1][0] == "Koulutus" and sessions[1][3] == "Osallistui"


def test_exports_stream_and_are_logged(population, client, auth):
    auth.sign_in("admin@example.org")
    response = client.get(f"/reports/matrix/people.csv?area={population.north.id}")
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="kaiku-matrix-people-')
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.exported")).one()
    assert logged.actor_id == population.admin.id
    assert logged.details == {
        "report": "matrix",
        "table": "people",
        "format": "csv",
        "filters": {"area": str(population.north.id)},
    }
    assert client.get("/reports/matrix/people.pdf").status_code == 404
    assert client.get("/reports/matrix/nothing.csv").status_code == 404


# --- scale ----------------------------------------------------------------------------------------


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


REPORT_PAGES = (
    "/reports/matrix",
    "/reports/matrix?sort=course:test-course",
    "/reports/areas",
    "/reports/national",
    "/reports/course?course=test-course",
    "/reports/matrix/people.csv",
    "/reports/areas/areas.xlsx",
)


def _statements(client, url) -> int:
    db.session.expire_all()  # as in production, nothing is left loaded from an earlier request
    with StatementCounter(db.engine) as counter:
        response = client.get(url)
        response.get_data()
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize("url", REPORT_PAGES)
def test_report_queries_do_not_grow_with_the_number_of_people(population, client, auth, url):
    auth.sign_in("admin@example.org")
    client.get(url)  # warm: the first request loads what every later one has cached
    few = _statements(client, url)
    for number in range(25):
        person = make_user(
            f"more{number}@example.org",
            name=f"Lisä {number}",
            area=population.north,
            sector=Sector.CULTURE,
            roles=[Role.COORDINATOR],
            password=None,
        )
        if number % 2:
            complete_course(person, population.course)
    assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["user"])) == 31
    assert _statements(client, url) == few
