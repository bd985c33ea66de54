"""Read and check the courses/ tree without touching the database.

Every problem is reported with the file, the line and what is wrong; a tree with any error
is never applied. Missing translations are warnings.
"""

import hashlib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.i18n import SUPPORTED_LOCALES
from ..core.markdown import render_markdown
from .check_kinds import CHECK_KINDS

ROLES = ("coordinator", "trainer", "admin")
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(?P<key>[^.]+)\.(?P<locale>[a-z]{2})\.md$")
# Bump when rendering changes, so that an unchanged tree is rendered again once.
RENDERER_VERSION = "1"

COURSE_FIELDS = {
    "order",
    "estimated_minutes",
    "renewal_months",
    "requires_live_session",
    "audience",
    "title",
    "summary",
    "modules",
}
MODULE_FIELDS = {"key", "title", "lessons", "check"}
CHECK_FIELDS = {"pass_mark", "questions"}
QUESTION_FIELDS = {"key", "kind", "text", "explanation", "options"}
OPTION_FIELDS = {"key", "text", "correct"}
FRONT_MATTER_FIELDS = {"title", "minutes"}


@dataclass
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self):
        return f"{self.path}:{self.line or 1}: {self.message}"


@dataclass
class LessonTextSpec:
    locale: str
    title: str
    minutes: int | None
    body_html: str
    toc_html: str
    content_hash: str


@dataclass
class LessonSpec:
    key: str
    module_key: str = ""
    position: int = 0
    texts: dict[str, LessonTextSpec] = field(default_factory=dict)


@dataclass
class CheckSpec:
    pass_mark: int
    questions: list[dict]
    content_hash: str


@dataclass
class ModuleSpec:
    key: str
    title: dict
    position: int
    lesson_keys: list[str]
    check: CheckSpec | None = None


@dataclass
class CourseSpec:
    key: str
    position: int
    title: dict
    summary: dict
    audience: list[str]
    estimated_minutes: int
    renewal_months: int
    requires_live_session: bool
    modules: list[ModuleSpec]
    lessons: dict[str, LessonSpec]
    content_hash: str

    @property
    def languages(self) -> list[str]:
        return [
            locale for locale in SUPPORTED_LOCALES if all(locale in lesson.texts for lesson in self.lessons.values())
        ]


@dataclass
class ContentTree:
    courses: list[CourseSpec] = field(default_factory=list)
    unchanged: set[str] = field(default_factory=set)  # course keys whose files match the database
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _content_files(folder: Path):
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith("."))


def _links(root: Path) -> list[Path]:
    """Every symbolic link under root, files and folders alike (linked folders are not entered)."""
    return sorted(
        Path(folder, name)
        for folder, folders, files in os.walk(root)
        for name in folders + files
        if Path(folder, name).is_symlink()
    )


def _links_out_of(root: Path) -> list[Problem]:
    """Links that point outside the tree: following them would read, and serve from files/,
    whatever they point at."""
    inside = root.resolve()
    return [
        Problem(str(link.relative_to(root.parent)), None, "a symbolic link that points outside the course tree")
        for link in _links(root)
        if not link.resolve().is_relative_to(inside)
    ]


def tree_hash(root: Path) -> str:
    """A hash of every file's path and bytes and every link's target under root: equal hashes
    mean nothing changed."""
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for path in _content_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for link in _links(root):
        digest.update(str(link.relative_to(root)).encode() + b"\0" + os.readlink(link).encode() + b"\0")
    return digest.hexdigest()


def line_of(text: str, needle: str) -> int | None:
    """The first line that defines `needle` as a key or table, or mentions it at all."""
    whole_word = (
        (r"\b" if re.match(r"\w", needle) else "") + re.escape(needle) + (r"\b" if re.search(r"\w$", needle) else "")
    )
    patterns = [rf"^\s*\[*\s*{re.escape(needle)}\s*[=\]]", whole_word]
    for pattern in patterns:
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(pattern, line):
                return number
    return None


class _FileChecker:
    """Collects the problems of one file, each with its line."""

    def __init__(self, tree: ContentTree, root: Path, path: Path, text: str):
        self.tree, self.text = tree, text
        self.name = str(path.relative_to(root.parent) if root.parent in path.parents else path)

    def error(self, message: str, near: str | None = None, line: int | None = None):
        self.tree.errors.append(Problem(self.name, line or (line_of(self.text, near) if near else None), message))

    def warning(self, message: str, near: str | None = None):
        self.tree.warnings.append(Problem(self.name, line_of(self.text, near) if near else None, message))

    def unknown_fields(self, data: dict, allowed: set[str], where: str):
        for name in sorted(set(data) - allowed):
            self.error(f"unknown field '{name}' in {where} (allowed: {', '.join(sorted(allowed))})", near=name)

    def localized(self, value, name: str, where: str, required=True) -> dict:
        if value is None:
            if required:
                self.error(f"{where}: '{name}' is missing", near=where.split()[-1])
            return {}
        if not isinstance(value, dict) or not value:
            self.error(
                f"{where}: '{name}' must be a table of texts per language, e.g. {name} = {{ fi = \"...\" }}", near=name
            )
            return {}
        for locale, text in value.items():
            if locale not in SUPPORTED_LOCALES:
                self.error(f"{where}: unknown language '{locale}' in '{name}' (use fi, sv or en)", near=name)
            elif not isinstance(text, str) or not text.strip():
                self.error(f"{where}: '{name}.{locale}' must be non-empty text", near=name)
        missing = [locale for locale in SUPPORTED_LOCALES if locale not in value]
        if missing:
            self.warning(
                f"{where}: '{name}' has no {', '.join(missing)} translation; Finnish is shown instead", near=name
            )
        return {
            locale: text.strip()
            for locale, text in value.items()
            if locale in SUPPORTED_LOCALES and isinstance(text, str)
        }

    def integer(self, data: dict, name: str, default: int, minimum: int = 0, maximum: int = 100_000) -> int:
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.error(f"'{name}' must be a whole number from {minimum} to {maximum}", near=name)
            return default
        return value


def _read_toml(tree: ContentTree, root: Path, path: Path) -> tuple[dict, _FileChecker] | None:
    """The file's data and a checker for it; None (with the problem recorded) if it cannot be read."""
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as error:
        tree.errors.append(Problem(str(path.relative_to(root.parent)), None, f"not UTF-8 text ({error.reason})"))
        return None
    checker = _FileChecker(tree, root, path, text)
    try:
        return tomllib.loads(text), checker
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        checker.error(f"invalid TOML: {error}", line=int(match.group(1)) if match else None)
        return None


def load_tree(
    root: Path, on_course: Callable[[str], None] | None = None, known_hashes: dict[str, str] | None = None
) -> ContentTree:
    """Read every course folder under root; `on_course` is told as each one is done. A folder
    whose hash is in `known_hashes` was checked when it was synced and is not read again."""
    tree = ContentTree(errors=_links_out_of(root))
    if tree.errors:  # nothing is read through them
        return tree
    for folder in sorted(path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")):
        if known_hashes and known_hashes.get(folder.name) == _folder_hash(folder):
            tree.unchanged.add(folder.name)
        elif (course := _load_course(tree, root, folder)) is not None:
            tree.courses.append(course)
        if on_course:
            on_course(folder.name)
    return tree


def _folder_hash(folder: Path) -> str:
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for path in _content_files(folder):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _load_course(tree: ContentTree, root: Path, folder: Path) -> CourseSpec | None:
    errors_before = len(tree.errors)
    course_file = folder / "course.toml"
    if not KEY_PATTERN.match(folder.name):
        tree.errors.append(
            Problem(
                str(folder.relative_to(root.parent)),
                None,
                "a course folder name may only have lower-case letters, digits and hyphens",
            )
        )
    if not course_file.is_file():
        tree.errors.append(Problem(str(folder.relative_to(root.parent)), None, "course.toml is missing"))
        return None
    read = _read_toml(tree, root, course_file)
    if read is None:
        return None
    data, checker = read
    checker.unknown_fields(data, COURSE_FIELDS, "course.toml")
    audience = data.get("audience", ["coordinator"])
    if not isinstance(audience, list) or not audience or any(role not in ROLES for role in audience):
        checker.error(f"'audience' must be a list of roles from {', '.join(ROLES)}", near="audience")
        audience = ["coordinator"]
    requires_live = data.get("requires_live_session", False)
    if not isinstance(requires_live, bool):
        checker.error("'requires_live_session' must be true or false", near="requires_live_session")
    lessons = _load_lessons(tree, root, folder)
    modules = _load_modules(tree, root, folder, checker, data.get("modules"), lessons)
    if len(tree.errors) > errors_before:
        return None
    return CourseSpec(
        key=folder.name,
        position=checker.integer(data, "order", 0),
        title=checker.localized(data.get("title"), "title", "course.toml"),
        summary=checker.localized(data.get("summary"), "summary", "course.toml", required=False),
        audience=audience,
        estimated_minutes=checker.integer(data, "estimated_minutes", 0),
        renewal_months=checker.integer(data, "renewal_months", 0, maximum=120),
        requires_live_session=bool(requires_live),
        modules=modules,
        lessons=lessons,
        content_hash=_folder_hash(folder),
    )


def _load_modules(tree, root, folder, checker, raw_modules, lessons) -> list[ModuleSpec]:
    if not isinstance(raw_modules, list) or not raw_modules:
        checker.error("'modules' is missing: list the course's modules as [[modules]] tables", near="modules")
        return []
    modules: list[ModuleSpec] = []
    seen_modules: set[str] = set()
    placed: dict[str, str] = {}
    for position, raw in enumerate(raw_modules):
        key = raw.get("key") if isinstance(raw, dict) else None
        where = f"module {key or position + 1}"
        if not isinstance(raw, dict):
            checker.error(f"{where}: must be a [[modules]] table", near="modules")
            continue
        checker.unknown_fields(raw, MODULE_FIELDS, where)
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            checker.error(
                f"{where}: 'key' is missing or not lower-case letters, digits and hyphens", near="[[modules]]"
            )
            continue
        if key in seen_modules:
            checker.error(f"duplicate module key '{key}'", near=key)
        seen_modules.add(key)
        title = checker.localized(raw.get("title"), "title", where)
        lesson_keys = raw.get("lessons")
        if not isinstance(lesson_keys, list) or not lesson_keys or not all(isinstance(k, str) for k in lesson_keys):
            checker.error(f"{where}: 'lessons' must list at least one lesson key", near=key)
            lesson_keys = []
        for lesson_key in lesson_keys:
            if lesson_key in placed:
                checker.error(
                    f"lesson '{lesson_key}' is listed twice (modules {placed[lesson_key]} and {key})", near=lesson_key
                )
            elif lesson_key not in lessons:
                checker.error(
                    f"{where}: lesson '{lesson_key}' has no file lessons/{lesson_key}.<fi|sv|en>.md", near=lesson_key
                )
            else:
                placed[lesson_key] = key
                lessons[lesson_key].module_key = key
                lessons[lesson_key].position = len(placed)
        check = None
        if "check" in raw:
            check = _load_check(tree, root, folder, checker, raw["check"], where)
        modules.append(ModuleSpec(key=key, title=title, position=position, lesson_keys=lesson_keys, check=check))
    for lesson_key in sorted(set(lessons) - set(placed)):
        tree.errors.append(
            Problem(
                f"{folder.name}/lessons/{lesson_key}.*.md",
                None,
                f"lesson '{lesson_key}' is in no module: add it to a module's 'lessons' in course.toml",
            )
        )
    return modules


def _load_check(tree, root, folder, course_checker, name, where) -> CheckSpec | None:
    path = folder / "checks" / f"{name}.toml"
    if not isinstance(name, str) or not path.is_file():
        course_checker.error(
            f"{where}: knowledge check file checks/{name}.toml does not exist",
            near=f'check = "{name}"' if isinstance(name, str) else "check",
        )
        return None
    read = _read_toml(tree, root, path)
    if read is None:
        return None
    data, checker = read
    checker.unknown_fields(data, CHECK_FIELDS, "the knowledge check")
    if "pass_mark" not in data:
        checker.error("'pass_mark' is missing (percent of questions that must be right)")
    pass_mark = checker.integer(data, "pass_mark", 100, minimum=1, maximum=100)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        checker.error("'questions' is missing: add [[questions]] tables", near="questions")
        return None
    questions: list[dict] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_questions, 1):
        question = _check_question(checker, raw, number, seen)
        if question:
            questions.append(question)
    return CheckSpec(
        pass_mark=pass_mark, questions=questions, content_hash=hashlib.sha256(path.read_bytes()).hexdigest()
    )


def _check_question(checker: _FileChecker, raw, number: int, seen: set) -> dict | None:
    key = raw.get("key") if isinstance(raw, dict) else None
    where = f"question {key or number}"
    if not isinstance(raw, dict):
        checker.error(f"{where}: must be a [[questions]] table", near="questions")
        return None
    checker.unknown_fields(raw, QUESTION_FIELDS, where)
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        checker.error(f"{where}: 'key' is missing or not lower-case letters, digits and hyphens", near="[[questions]]")
        return None
    if key in seen:
        checker.error(f"duplicate question key '{key}'", near=key)
    seen.add(key)
    kind = raw.get("kind")
    behaviour = CHECK_KINDS.get(kind) if isinstance(kind, str) else None
    if behaviour is None:
        checker.error(f"{where}: 'kind' must be " + " or ".join(f'"{name}"' for name in CHECK_KINDS), near=key)
    text = checker.localized(raw.get("text"), "text", where)
    explanation = checker.localized(raw.get("explanation"), "explanation", where)
    raw_options = raw.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        checker.error(f"{where}: 'options' must list at least two options", near=key)
        return None
    options, option_keys = [], set()
    for option in raw_options:
        if not isinstance(option, dict) or not isinstance(option.get("key"), str):
            checker.error(f"{where}: every option needs a 'key' and a 'text'", near=key)
            continue
        checker.unknown_fields(option, OPTION_FIELDS, f"{where}, option {option['key']}")
        if option["key"] in option_keys:
            checker.error(f"{where}: duplicate option key '{option['key']}'", near=key)
        option_keys.add(option["key"])
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            checker.error(f"{where}: 'correct' must be true or false", near=key)
        options.append(
            {
                "key": option["key"],
                "text": checker.localized(option.get("text"), "text", f"{where}, option {option['key']}"),
                "correct": correct is True,
            }
        )
    right = sum(option["correct"] for option in options)
    problem = behaviour.correct_options_problem(right) if behaviour else None
    if problem:
        checker.error(f"{where}: {problem}", near=key)
    return {"key": key, "kind": kind, "text": text, "explanation": explanation, "options": options}


def _split_front_matter(text: str) -> tuple[dict[str, tuple[str, int]], str, int]:
    """Front matter fields with their lines, the body, and the line the body starts on."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            fields = {}
            for number in range(1, end):
                name, _, value = lines[number].partition(":")
                if name.strip():
                    fields[name.strip()] = (value.strip(), number + 1)
            return fields, "\n".join(lines[end + 1 :]), end + 2
    return {"---": ("", 1)}, text, 1


def _load_lessons(tree: ContentTree, root: Path, folder: Path) -> dict[str, LessonSpec]:
    lessons: dict[str, LessonSpec] = {}
    lesson_folder = folder / "lessons"
    files = sorted(lesson_folder.glob("*")) if lesson_folder.is_dir() else []
    file_names = (
        {str(path.relative_to(folder / "files")) for path in _content_files(folder / "files")}
        if (folder / "files").is_dir()
        else set()
    )
    for path in files:
        match = LESSON_FILE.match(path.name)
        if not match or match["locale"] not in SUPPORTED_LOCALES or not KEY_PATTERN.match(match["key"]):
            tree.errors.append(
                Problem(
                    str(path.relative_to(root.parent)), None, "a lesson file must be named <lesson-key>.<fi|sv|en>.md"
                )
            )
            continue
        lessons.setdefault(match["key"], LessonSpec(key=match["key"]))
    for path in files:
        match = LESSON_FILE.match(path.name)
        if match and match["key"] in lessons and match["locale"] in SUPPORTED_LOCALES:
            text_spec = _load_lesson_text(tree, root, path, match["locale"], set(lessons), file_names)
            if text_spec:
                lessons[match["key"]].texts[match["locale"]] = text_spec
    for key, lesson in lessons.items():
        missing = [locale for locale in SUPPORTED_LOCALES if locale not in lesson.texts]
        if missing and lesson.texts:
            tree.warnings.append(
                Problem(
                    f"{folder.name}/lessons/{key}",
                    None,
                    f"no {', '.join(missing)} version; readers see another language",
                )
            )
    return lessons


def _load_lesson_text(tree, root, path: Path, locale: str, lesson_keys: set[str], file_names: set[str]):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        tree.errors.append(Problem(str(path.relative_to(root.parent)), None, f"not UTF-8 text ({error.reason})"))
        return None
    checker = _FileChecker(tree, root, path, text)
    fields, body, body_line = _split_front_matter(text)
    if "---" in fields:
        checker.error("the front matter starts with --- but has no closing --- line", line=1)
        return None
    for name, (_value, field_line) in fields.items():
        if name not in FRONT_MATTER_FIELDS:
            checker.error(f"unknown front matter field '{name}' (allowed: title, minutes)", line=field_line)
    title = fields.get("title", ("", 0))[0]
    minutes = None
    if "minutes" in fields:
        value, minutes_line = fields["minutes"]
        if value.isdigit():
            minutes = int(value)
        else:
            checker.error("'minutes' must be a whole number", line=minutes_line)
    body_lines = body.splitlines()
    in_code = False
    for offset, line in enumerate(body_lines):
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and re.match(r"^#(?!#)\s", line):
            if not title and not any(earlier.strip() for earlier in body_lines[:offset]):
                title = line[1:].strip()
                body_lines[offset] = ""
            else:
                checker.error(
                    "start headings at ## (the page shows the lesson title as its main heading)",
                    line=body_line + offset,
                )
    if not title:
        checker.error("the lesson has no title: add 'title:' front matter or a first line '# Title'", line=1)
    broken = []

    def rewrite(tag, attribute, value):
        if value.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", value):
            return value
        target = value.removeprefix("./")
        path, hash_mark, fragment = target.partition("#")
        if path.endswith(".md") and path[:-3] in lesson_keys:
            return path[:-3] + hash_mark + fragment
        if target.startswith("files/") and target[len("files/") :] in file_names:
            return "../" + target
        broken.append(value)
        return None

    rendered = render_markdown("\n".join(body_lines), rewrite)
    for target in broken:
        checker.error(f"link or image '{target}' points to no lesson of this course or file in files/", near=target)
    if re.search(r"<img(?![^>]*\balt=\"[^\"]+\")", rendered.html):
        checker.error("an image has no description: write ![description](files/...)", near="![")
    return LessonTextSpec(
        locale=locale,
        title=title[:300],
        minutes=minutes,
        body_html=rendered.html,
        toc_html=rendered.toc_html,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )
