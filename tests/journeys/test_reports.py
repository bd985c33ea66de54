"""Report journeys: R1 the matrix with filters, sorting, pages and downloads; R2 a training
record, the areas page, the national summary and a course funnel; R3 an area lead's scope."""

import csv
import io
from urllib.parse import parse_qsl, urlsplit

from openpyxl import load_workbook

from kaiku_training.accounts.models import Role, Sector
from kaiku_training.curriculum.services import CourseStatus
from tests.factories import make_user
from tests.journeys.conftest import set_language, sign_in
from tests.reports.conftest import population  # noqa: F401  (a fixture)


def _matrix_names(page) -> list[str]:
    return [cell.get_text(" ", strip=True) for cell in page.soup.select("table.matrix tbody th")]


def _sort_by(browser, page, label):
    """Click the matrix column header `label`."""
    [header] = [
        link for link in page.soup.select("table.matrix thead a") if link.get_text(strip=True).startswith(label)
    ]
    return browser.get(header["href"])


def _download(browser, page, label) -> bytes:
    response = browser.client.get(page.link(label))
    assert response.status_code == 200
    return response.get_data()


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def test_r1_matrix_filters_sorts_pages_and_downloads_the_same_rows(browser, population):
    for number in range(55):
        make_user(
            f"many{number}@example.org",
            name=f"Monta {number:02d}",
            area=population.south,
            sector=Sector.CULTURE,
            password=None,
        )
    for name in ("Östen Örn", "Åke Åberg", "Ärmi Äijälä", "Zeta Zoo"):
        make_user(name=name, area=population.north, sector=Sector.CULTURE, password=None)
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")

    page = browser.get("/reports").follow("Progress matrix")
    form = page.form(button="Filter")
    form.fill(area=form.option_value("area", "North"), sector=Sector.CULTURE, role=Role.COORDINATOR)
    page = form.submit()
    assert _matrix_names(page) == [
        "Aino Valmis",
        "Leena Aluevastaava",
        "Zeta Zoo",
        "Åke Åberg",
        "Ärmi Äijälä",
        "Östen Örn",
    ]
    page = _sort_by(browser, page, "Name")  # already sorted by name: the header sorts descending
    assert _matrix_names(page)[:2] == ["Östen Örn", "Ärmi Äijälä"]

    form = page.form(button="Filter")
    form.fill(
        area="", sector="", role="", course=form.option_value("course", "Test course"), status=CourseStatus.OVERDUE
    )
    page = form.submit()
    assert _matrix_names(page) == ["Cecilia Myöhässä"]

    # Everyone, sorted by area, in pages of 50; the downloads hold every row in the same order.
    page = _sort_by(browser, browser.get("/reports/matrix"), "Area")
    assert "65 people" in page.text and "Page 1 of 2" in page.text
    first = _matrix_names(page)
    second_page = page.follow("Next page")
    shown = first + _matrix_names(second_page)
    assert len(shown) == 65 and len(set(shown)) == 65
    csv_rows = _csv_rows(_download(browser, second_page, "CSV"))
    xlsx_rows = _xlsx_rows(_download(browser, second_page, "Excel"))
    assert csv_rows[0][:3] == ["Name", "Email", "Area"] == xlsx_rows[0][:3]
    assert [row[0] for row in csv_rows[1:]] == shown
    assert [row[:5] for row in csv_rows] == [row[:5] for row in xlsx_rows]
    assert [row[6:] for row in csv_rows] == [row[6:] for row in xlsx_rows]
    assert dict(parse_qsl(urlsplit(page.link("CSV")).query))["sort"] == "area"


def test_r2_training_record_areas_national_summary_and_course_funnel(browser, population):
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    page = browser.get("/reports/matrix").follow("Bertta Puolivälissä")
    assert "Training record: Bertta Puolivälissä" in page.text
    assert "1 of 3 steps done (33 %)" in page.text

    index = browser.get("/reports")
    page = browser.get(index.soup.select_one("main a[href$='/reports/areas']")["href"])
    rows = {
        row.select_one("th").get_text(strip=True): [cell.get_text(strip=True) for cell in row.select("td")]
        for row in page.soup.select("#table-areas ~ div table tbody tr")
    }
    assert list(rows) == ["North", "South", "No area"]
    assert rows["North"][2] == "3" and rows["South"][2] == "2"

    page = browser.get("/reports").follow("National summary")
    assert "Totals" in page.text and "Course completions per month" in page.text
    totals = {
        row.select_one("th").get_text(strip=True): row.select_one("td").get_text(strip=True)
        for row in page.soup.select("#table-totals ~ div table tbody tr")
    }
    assert totals["People"] == "6" and totals["Valid completions"] == "1" and totals["Overdue courses"] == "1"

    page = browser.get("/reports").follow("Test course")
    funnel = {
        row.select_one("th").get_text(strip=True): row.select_one("td").get_text(strip=True)
        for row in page.soup.select("#table-funnel ~ div table tbody tr")
    }
    assert funnel == {"People enrolled": "2", "People started": "2", "People completed": "1"}


def test_r3_area_lead_sees_only_their_own_area_whatever_the_url_says(browser, population):
    sign_in(browser, "lead@example.org")
    set_language(browser, "en")
    page = browser.get("/reports")
    assert "You see the people of your own area, North." in page.text
    assert "National summary" not in page.text
    page = page.follow("Progress matrix")
    assert "area" not in page.form(button="Filter").names  # the area is fixed
    north = ["Aino Valmis", "Bertta Puolivälissä", "Leena Aluevastaava"]
    assert _matrix_names(page) == north
    page = browser.get("/reports/matrix", query={"area": population.south.id})
    assert _matrix_names(page) == north
    assert "Cecilia" not in page.text and "Daniel" not in page.text
    csv_rows = _csv_rows(browser.client.get(f"/reports/matrix/people.csv?area={population.south.id}").get_data())
    assert [row[0] for row in csv_rows[1:]] == north
    areas = browser.get("/reports/areas", query={"area": population.south.id}).text
    assert "North" in areas and "South" not in areas
    browser.get(f"/reports/people/{population.overdue.id}", expect_status=403)
    browser.get(f"/reports/people/{population.halfway.id}")
    browser.get("/reports/national", expect_status=403)
