"""A computed grid is reused while nothing behind it changes, brought up to date person by
person after their own changes, and computed again after a change that can touch anyone."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from kaiku_training.accounts.models import Role, Sector
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.models import LessonCompletion
from kaiku_training.extensions import db
from kaiku_training.reports.changes import ReportChange
from kaiku_training.reports.grid import Filters, build_grid, cached_grid
from tests.factories import make_user
from tests.reports.test_reports import StatementCounter, html_tables

FILTER_SETS = [Filters(), Filters(sort="course:test-course"), Filters(status="in_progress"), Filters(role="area_lead")]


@pytest.fixture
def app_settings(app_settings):
    return {**app_settings, "REPORT_CACHE_SECONDS": 60}


def snapshot(grid):
    return [
        (
            row.id,
            row.name,
            row.area.id if row.area else None,
            row.roles,
            [(cell.status, cell.percent) for cell in row.cells],
        )
        for row in grid.rows
    ]


def assert_up_to_date():
    """Every cached grid shows what a grid computed from scratch shows."""
    for filters in FILTER_SETS:
        assert snapshot(cached_grid(filters)) == snapshot(build_grid(filters)), filters


def statements_for(filters) -> int:
    with StatementCounter(db.engine) as counter:
        cached_grid(filters)
    return counter.count


def test_an_unchanged_grid_is_reused(population, client, auth):
    auth.sign_in("admin@example.org")
    first = html_tables(client.get("/reports/matrix"))
    with StatementCounter(db.engine) as counter:
        assert html_tables(client.get("/reports/matrix")) == first
    assert counter.count < statements_for(Filters(sector="culture"))  # a filter set not computed yet


def test_peoples_own_changes_update_only_their_rows(population):
    for filters in FILTER_SETS:
        cached_grid(filters)
    before = {row.id: row for row in cached_grid(Filters()).rows}
    curriculum.complete_lesson(population.halfway, population.course.active_lessons[1], "fi")
    after = {row.id: row for row in cached_grid(Filters()).rows}
    assert [cell.percent for cell in after[population.halfway.id].cells] == [67]
    assert after[population.halfway.id] is not before[population.halfway.id]
    assert all(after[person] is row for person, row in before.items() if person != population.halfway.id)
    assert_up_to_date()

    population.untouched.area = population.north  # details edited by an admin
    population.overdue.roles = [Role.COORDINATOR, Role.AREA_LEAD]
    newcomer = make_user(
        "new@example.org", name="Uusi Tulokas", area=population.south, sector=Sector.CULTURE, password=None
    )
    curriculum.enrol(newcomer, population.course)
    db.session.commit()
    assert_up_to_date()
    assert "Uusi Tulokas" in [row.name for row in cached_grid(Filters(status="in_progress")).rows]


def test_a_change_that_can_touch_anyone_computes_everything_again(population):
    for filters in FILTER_SETS:
        cached_grid(filters)
    curriculum.assign(population.course, date.today() - timedelta(days=1), population.admin, role=Role.COORDINATOR)
    assert_up_to_date()
    lesson = population.course.active_lessons[1]
    db.session.execute(
        insert(LessonCompletion),
        [
            {  # a bulk statement names nobody
                "user_id": population.done.id,
                "lesson_id": lesson.id,
                "round": 2,
                "locale": "fi",
                "content_hash": lesson.text_in("fi").content_hash,
            }
        ],
    )
    db.session.commit()
    assert_up_to_date()


def test_a_late_commit_of_an_earlier_change_is_not_missed(population):
    """On PostgreSQL a write can take its change id before a grid reads the version and commit
    after: the newest id stays the same, only the count of changes moves."""
    cached_grid(Filters())
    newest = db.session.scalar(select(func.max(ReportChange.id)))
    curriculum.complete_lesson(population.halfway, population.course.active_lessons[1], "fi")
    db.session.execute(update(ReportChange).where(ReportChange.id > newest).values(id=-1))  # an earlier id
    db.session.commit()
    assert db.session.scalar(select(func.max(ReportChange.id))) == newest
    assert_up_to_date()


def test_change_rows_older_than_any_kept_grid_are_dropped(population):
    db.session.add(ReportChange(changed_at=utcnow() - timedelta(hours=1), person_id=population.done.id))
    db.session.commit()
    cached_grid(Filters())
    old = (
        select(func.count()).select_from(ReportChange).where(ReportChange.changed_at < utcnow() - timedelta(minutes=5))
    )
    assert db.session.scalar(old) == 0
    assert db.session.scalar(select(func.count()).select_from(ReportChange)) > 0
