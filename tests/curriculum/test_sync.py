"""flask courses sync: idempotent, all-or-nothing, keeps progress, archives instead of deleting."""

import pytest
from sqlalchemy import func, select

from kaiku_training.curriculum import services
from kaiku_training.curriculum.models import Course, Lesson, LessonCompletion, LessonText
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.extensions import db
from tests.curriculum.content import lesson_text, write_course
from tests.factories import make_user


def _snapshot():
    return (
        [(row.key, row.content_hash, row.archived_at) for row in db.session.scalars(select(Course))]
        + [(row.key, row.archived_at) for row in db.session.scalars(select(Lesson))]
        + [(row.locale, row.content_hash) for row in db.session.scalars(select(LessonText))]
    )


def test_sync_creates_the_course_and_a_second_sync_is_a_no_op(app, courses_dir):
    write_course(courses_dir)
    first = sync_courses(courses_dir)
    assert first.counts["courses added"] == 1 and first.counts["lessons added"] == 2 and not first.warnings
    course = services.find_course("test-course")
    assert course.title_in("sv") == "Testkurs" and course.languages == ["fi", "sv", "en"]
    assert [lesson.key for lesson in course.active_lessons] == ["first", "second"]
    assert course.modules[0].check.pass_mark == 100
    body = course.active_lessons[0].text_in("en").body_html
    assert 'href="second"' in body and 'src="../files/diagram.svg"' in body and 'id="section"' in body
    assert sync_courses(courses_dir).unchanged


def test_editing_a_lesson_keeps_progress_and_flags_it(app, courses_dir, synced_course):
    person = make_user()
    first = synced_course.active_lessons[0]
    services.complete_lesson(person, first, "en")
    (courses_dir / "test-course" / "lessons" / "first.en.md").write_text(lesson_text("First en", "New text."))
    report = sync_courses(courses_dir)
    assert report.counts["lessons updated"] == 1 and report.counts["lessons added"] == 0
    progress = services.course_progress(person, synced_course)
    step = progress.step_for_lesson(first)
    assert step.done and step.updated_since_done
    # someone who read the Finnish text is not flagged: that text did not change
    other = make_user()
    services.complete_lesson(other, first, "fi")
    assert not services.course_progress(other, synced_course).step_for_lesson(first).updated_since_done
    # reading it again clears the flag
    services.complete_lesson(person, first, "en")
    assert not services.course_progress(person, synced_course).step_for_lesson(first).updated_since_done


def test_removed_lesson_and_course_are_archived_with_progress_kept(app, courses_dir, synced_course):
    person = make_user()
    second = synced_course.active_lessons[1]
    services.complete_lesson(person, second, "fi")
    folder = courses_dir / "test-course"
    for path in folder.glob("lessons/second.*.md"):
        path.unlink()
    toml = folder / "course.toml"
    toml.write_text(toml.read_text().replace('lessons = ["first", "second"]', 'lessons = ["first"]'))
    for path in folder.glob("lessons/first.*.md"):
        path.write_text(lesson_text("First"))
    report = sync_courses(courses_dir)
    assert report.counts["lessons archived"] == 1, report.errors
    db.session.refresh(second)
    assert second.archived_at is not None
    assert [lesson.key for lesson in synced_course.active_lessons] == ["first"]
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 1

    import shutil

    shutil.rmtree(folder)
    assert sync_courses(courses_dir).counts["courses archived"] == 1
    assert services.find_course("test-course") is None
    assert db.session.scalar(select(func.count()).select_from(Course)) == 1  # kept, archived


@pytest.mark.parametrize(
    "damage, expected",
    [
        (
            lambda f: (f / "course.toml").write_text((f / "course.toml").read_text() + 'colour = "red"\n'),
            "course.toml:22: unknown field 'colour' in module basics",
        ),
        (
            lambda f: (f / "course.toml").write_text((f / "course.toml").read_text().replace("[title]", "[titel]")),
            "unknown field 'titel'",
        ),
        (
            lambda f: (f / "course.toml").write_text(
                (f / "course.toml").read_text() + '[[modules]]\nkey = "basics"\n'
                'title = { fi = "X" }\nlessons = ["first"]\n'
            ),
            "duplicate module key 'basics'",
        ),
        (
            lambda f: (f / "lessons" / "first.fi.md").write_text(lesson_text("Eka", "[Rikki](missing.md)")),
            "lessons/first.fi.md:5: link or image 'missing.md' points to no lesson",
        ),
        (
            lambda f: (f / "lessons" / "first.fi.md").write_text(lesson_text("Eka", "![](files/nothere.png)")),
            "lessons/first.fi.md:5: link or image 'files/nothere.png'",
        ),
        (
            lambda f: (f / "checks" / "basics.toml").write_text(
                (f / "checks" / "basics.toml")
                .read_text()
                .replace(
                    '{ key = "b", text = { fi = "Kaikille", sv = "Alla", en = "Everyone" } }',
                    '{ key = "b", text = { fi = "Kaikille", sv = "Alla", en = "Everyone" }, correct = true }',
                )
            ),
            "checks/basics.toml:4: question card-for: "
            "a single-choice question needs exactly one correct option (has 2)",
        ),
        (
            lambda f: [path.unlink() for path in f.glob("lessons/second.*.md")],
            "lesson 'second' has no file lessons/second.<fi|sv|en>.md",
        ),
        (lambda f: (f / "course.toml").write_text("order = \n"), "course.toml:1: invalid TOML"),
        (
            lambda f: (f / "lessons" / "first.en.md").write_text("---\ntitle: X\ncolour: red\n---\n# Two\n"),
            "lessons/first.en.md:3: unknown front matter field 'colour'",
        ),
        (lambda f: (f / "lessons" / "stray.fi.md").write_text(lesson_text("Stray")), "lesson 'stray' is in no module"),
    ],
)
def test_malformed_content_fails_with_file_line_and_reason_and_changes_nothing(
    app, courses_dir, synced_course, runner, damage, expected
):
    person = make_user()
    services.complete_lesson(person, synced_course.active_lessons[0], "fi")
    before = _snapshot()
    folder = courses_dir / "test-course"
    for path in folder.glob("lessons/*.md"):  # a real change too, which must not be applied
        path.write_text(path.read_text() + "\nChanged.\n")
    damage(folder)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code != 0
    assert expected in result.output, result.output
    assert "nothing was changed" in result.output
    db.session.expire_all()
    assert _snapshot() == before


def test_missing_translation_is_a_warning_and_falls_back_to_finnish(app, courses_dir, client, auth):
    write_course(courses_dir, languages=("fi",))
    report = sync_courses(courses_dir)
    assert not report.errors
    assert any("no sv, en version" in str(warning) for warning in report.warnings)
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get("/courses/test-course/lessons/first").get_data(as_text=True)
    assert "shown in Suomi" in page and '<article class="lesson-body" lang="fi">' in page
    assert services.find_course("test-course").languages == ["fi"]


def test_sync_check_changes_nothing(app, courses_dir, runner):
    write_course(courses_dir)
    result = runner.invoke(args=["courses", "sync", "--check"])
    assert result.exit_code == 0 and "no errors" in result.output
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0 and "courses added: 1" in result.output
    assert "No changes" in runner.invoke(args=["courses", "sync"]).output


def test_the_shipped_courses_are_complete_in_three_languages(app):
    """The real content in courses/ syncs without errors: at least three courses, each with
    five or more lessons in fi, sv and en and a knowledge check."""
    from kaiku_training.config import flask_config, load_settings
    from kaiku_training.curriculum.loader import load_tree

    root = flask_config(load_settings(app.instance_path), app.instance_path)["COURSES_DIR"]
    tree = load_tree(root)
    assert tree.errors == []
    assert len(tree.courses) >= 3
    for course in tree.courses:
        assert len(course.lessons) >= 5, course.key
        assert course.languages == ["fi", "sv", "en"], course.key
        assert any(module.check for module in course.modules), course.key
        assert set(course.title) == {"fi", "sv", "en"}
