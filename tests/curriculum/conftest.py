import pytest

from kaiku_training.curriculum.sync import sync_courses
from tests.curriculum.content import write_course


@pytest.fixture
def synced_course(app, courses_dir):
    """A synced course with two lessons and a knowledge check, renewed every 12 months."""
    from kaiku_training.curriculum.services import find_course

    write_course(courses_dir)
    report = sync_courses(courses_dir)
    assert not report.errors, report.errors
    return find_course("test-course")
