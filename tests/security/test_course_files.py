"""Course files never reach outside the course tree: sync refuses a symbolic link that points
out of it (naming the file), and a link planted after a sync is not served."""

from pathlib import Path

from kaiku_training.curriculum.sync import sync_courses
from tests.curriculum.content import write_course


def _secret(tmp_path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    return outside


def _link_errors(report) -> list[str]:
    return [str(problem) for problem in report.errors if "symbolic link" in problem.message]


def test_sync_refuses_links_out_of_the_tree_with_file_and_line(app, courses_dir, tmp_path):
    outside = _secret(tmp_path)
    course = write_course(courses_dir)
    (course / "files" / "secret.txt").symlink_to(outside / "secret.txt")
    (course / "files" / "etc").symlink_to(outside, target_is_directory=True)
    (course / "lessons" / "third.fi.md").symlink_to(outside / "secret.txt")
    (courses_dir / "elsewhere").symlink_to(outside, target_is_directory=True)
    (course / "files" / "same.svg").symlink_to(course / "files" / "diagram.svg")  # inside the tree: fine
    report = sync_courses(courses_dir)
    assert sorted(_link_errors(report)) == [
        f"{courses_dir.name}/elsewhere:1: a symbolic link that points outside the course tree",
        f"{courses_dir.name}/test-course/files/etc:1: a symbolic link that points outside the course tree",
        f"{courses_dir.name}/test-course/files/secret.txt:1: a symbolic link that points outside the course tree",
        f"{courses_dir.name}/test-course/lessons/third.fi.md:1: a symbolic link that points outside the course tree",
    ]


def test_a_linked_folder_added_after_a_sync_is_refused_and_not_served(app, client, auth, courses_dir, tmp_path):
    from tests.factories import make_user

    outside = _secret(tmp_path)
    course = write_course(courses_dir)
    assert not sync_courses(courses_dir).errors
    (course / "files" / "etc").symlink_to(outside, target_is_directory=True)
    (course / "files" / "secret.txt").symlink_to(outside / "secret.txt")
    assert len(_link_errors(sync_courses(courses_dir))) == 2  # the tree changed, though no file in it did
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    assert client.get("/courses/test-course/files/diagram.svg").status_code == 200
    for path in ("etc/secret.txt", "secret.txt"):
        response = client.get(f"/courses/test-course/files/{path}")
        assert response.status_code == 404 and b"top secret" not in response.data
