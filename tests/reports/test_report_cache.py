"""A computed grid is reused while nothing behind it changes, and never after a change."""
import pytest
from sqlalchemy import func, insert, select

from app.curriculum import services as curriculum
from app.curriculum.models import LessonCompletion
from app.extensions import db
from app.reports.changes import ReportChange
from tests.reports.test_reports import StatementCounter, html_tables


@pytest.fixture
def app_settings(app_settings):
    return {**app_settings, "REPORT_CACHE_SECONDS": 60}


def _matrix(client):
    db.session.expire_all()
    with StatementCounter(db.engine) as counter:
        rows = {row[0]: row[4] for row in html_tables(client.get("/reports/matrix"))[0][1:]}
    return rows, counter.count


def test_a_change_shows_at_once_and_an_unchanged_grid_is_reused(population, client, auth):
    auth.sign_in("admin@example.org")
    first, computed = _matrix(client)
    again, reused = _matrix(client)
    assert again == first and reused < computed

    curriculum.complete_lesson(population.halfway, population.course.active_lessons[1], "fi")
    after_lesson, _count = _matrix(client)
    assert after_lesson["Bertta Puolivälissä"] == "Kesken 67 %"

    population.untouched.area = population.north  # an edit through the admin pages is a flush too
    db.session.commit()
    rows = html_tables(client.get(f"/reports/matrix?area={population.north.id}"))[0][1:]
    assert "Daniel Koskematon" in [row[0] for row in rows]


def test_bulk_statements_count_as_changes_and_old_markers_are_dropped(population, client, auth):
    auth.sign_in("admin@example.org")
    _matrix(client)
    lesson = population.course.active_lessons[1]
    text = lesson.text_in("fi")
    db.session.execute(insert(LessonCompletion), [{"user_id": population.halfway.id, "lesson_id": lesson.id,
                                                   "round": 1, "locale": "fi", "content_hash": text.content_hash}])
    db.session.commit()
    rows, _count = _matrix(client)
    assert rows["Bertta Puolivälissä"] == "Kesken 67 %"
    assert db.session.scalar(select(func.count()).select_from(ReportChange)) == 1
