"""The person × course progress grid behind every report, built set-wise.

A fixed number of grouped queries reads the progress of everyone the filters select, whatever
their number; each cell's status then comes from the same rule the learner's own pages use
(curriculum.services.course_status), so reports and dashboards never disagree.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import distinct, func, select

from ..accounts.models import Area, User, UserRole
from ..core.cache import app_cache
from ..core.collation import finnish_key
from ..core.timeutil import utcnow
from ..curriculum.models import (
    CheckAttempt,
    Course,
    CourseAssignment,
    CourseCompletion,
    CourseModule,
    Enrolment,
    KnowledgeCheck,
    Lesson,
    LessonCompletion,
)
from ..curriculum.services import CourseStatus, course_status
from ..events.models import Attendance, Registration, TrainingSession
from ..extensions import db
from .changes import DataVersion, data_version, forget_changes_before, people_changed_since

SORTS = ("name", "area", "last_activity")
PATCH_LIMIT = 500  # changed people beyond which computing every row again is as quick
LATE_COMMIT_WINDOW = timedelta(seconds=30)  # writes that took a change id before a grid was read
# Most urgent first when a course column is sorted.
STATUS_ORDER = [
    CourseStatus.OVERDUE,
    CourseStatus.EXPIRED,
    CourseStatus.RENEWAL_DUE,
    CourseStatus.NOT_STARTED,
    CourseStatus.IN_PROGRESS,
    CourseStatus.AWAITING_LIVE_SESSION,
    CourseStatus.COMPLETED,
    CourseStatus.NOT_ENROLLED,
]


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to. `area_id` is also how an area lead's scope is enforced."""

    area_id: int | None = None
    area_kind: str | None = None
    sector: str | None = None
    role: str | None = None
    course_key: str | None = None
    status: str | None = None
    sort: str = "name"
    descending: bool = False

    def scoped_to(self, area_id: int | None) -> "Filters":
        return self if area_id is None else replace(self, area_id=area_id)


@dataclass(frozen=True)
class CourseColumn:
    """What a grid keeps of a course: plain values, safe to reuse after the session is gone."""

    id: int
    key: str
    title: dict

    def title_in(self, locale: str) -> str:
        return Course.title_in(self, locale)  # type: ignore[arg-type]  # the same rule as the course's

    @classmethod
    def of(cls, course: Course) -> "CourseColumn":
        return cls(course.id, course.key, dict(course.title))


@dataclass(frozen=True)
class AreaInfo:
    id: int
    name_fi: str
    name_sv: str
    name_en: str
    kind: str
    status: str

    def name(self, locale: str) -> str:
        return Area.name(self, locale)  # type: ignore[arg-type]  # the same rule as the area's

    @classmethod
    def of(cls, area: Area) -> "AreaInfo":
        return cls(area.id, area.name_fi, area.name_sv, area.name_en, area.kind, area.status)


@dataclass(slots=True)
class Cell:
    status: CourseStatus
    percent: int
    done: int
    total: int
    enrolled: bool


@dataclass(slots=True)
class PersonRow:
    id: int
    name: str
    email: str
    erased: bool
    active: bool
    area: AreaInfo | None
    sector: str | None
    roles: list[str]
    last_activity: datetime | None
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    courses: list[CourseColumn]
    rows: list[PersonRow]
    computed_at: datetime

    def cell_counts(self, course_index: int) -> dict[CourseStatus, int]:
        counts = dict.fromkeys(CourseStatus, 0)
        for row in self.rows:
            counts[row.cells[course_index].status] += 1
        return counts


def course_columns() -> list[CourseColumn]:
    """The courses reports show, without their content (for menus and checks of the filters)."""
    return [
        CourseColumn(*row)
        for row in db.session.execute(
            select(Course.id, Course.key, Course.title)
            .where(Course.archived_at.is_(None))
            .order_by(Course.position, Course.key)
        )
    ]


def report_courses(course_key: str | None = None) -> list[Course]:
    query = select(Course).where(Course.archived_at.is_(None)).order_by(Course.position, Course.key)
    if course_key:
        query = query.where(Course.key == course_key)
    return list(db.session.scalars(query))


def people_query(filters: Filters):
    """The ids of the people the filters select (everyone with an account, erased included:
    erasing someone must not change any figure)."""
    query = select(User.id)
    if filters.area_id:
        query = query.where(User.area_id == filters.area_id)
    if filters.area_kind:
        query = query.where(User.area_id.in_(select(Area.id).where(Area.kind == filters.area_kind)))
    if filters.sector:
        query = query.where(User.sector == filters.sector)
    if filters.role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == filters.role)))
    return query


@dataclass(frozen=True)
class _CachedGrid:
    grid: Grid
    version: DataVersion


def cached_grid(filters: Filters) -> Grid:
    """The grid for these filters. A worker keeps it while nothing behind it changes; after
    changes to a few people's rows only theirs are computed again. It is computed afresh after
    a change that can touch anyone, and after REPORT_CACHE_SECONDS (statuses also change with
    time: due dates pass, completions expire)."""
    cache = app_cache("kaiku_report_cache", "REPORT_CACHE_SECONDS", max_entries=8)
    version = data_version()
    cached = cache.get((filters,))
    if cached is not None and cached.version == version:
        return cached.grid
    if cached is not None:
        changed = people_changed_since(cached.version, cached.grid.computed_at - LATE_COMMIT_WINDOW)
        if changed is not None and len(changed) <= PATCH_LIMIT:
            grid = _with_rows_of(cached.grid, filters, changed) if changed else cached.grid
            cache.replace((filters,), _CachedGrid(grid, version))
            return grid
    grid = build_grid(filters)
    cache.put((filters,), _CachedGrid(grid, version))
    forget_changes_before(grid.computed_at - timedelta(seconds=cache.seconds) - LATE_COMMIT_WINDOW)
    return grid


def _with_rows_of(grid: Grid, filters: Filters, people: set[int]) -> Grid:
    """The grid with these people's rows computed again (or dropped, if they no longer match)."""
    fresh = build_grid(filters, only=people)
    rows = [row for row in grid.rows if row.id not in people] + fresh.rows
    _sort(rows, grid.courses, filters)
    return Grid(grid.courses, rows, grid.computed_at)


def build_grid(filters: Filters, now: datetime | None = None, only: set[int] | None = None) -> Grid:
    """Every person the filters select (or those of them in `only`) with a cell per course."""
    now = now or utcnow()
    courses = report_courses(filters.course_key)
    people = people_query(filters)
    if only is not None:
        people = people.where(User.id.in_(only))
    progress = _ProgressFacts.load(people, courses)
    areas = {area.id: AreaInfo.of(area) for area in db.session.scalars(select(Area))}
    rows = []
    for person in db.session.execute(
        select(User.id, User.name, User.email, User.erased_at, User.active, User.area_id, User.sector).where(
            User.id.in_(people)
        )
    ):
        row = PersonRow(
            person.id,
            person.name,
            person.email,
            person.erased_at is not None,
            person.active,
            areas.get(person.area_id),
            person.sector,
            progress.roles[person.id],
            progress.last_activity.get(person.id),
        )
        row.cells = progress.cells(row, now)
        rows.append(row)
    rows = _with_status(rows, filters.status)
    columns = [CourseColumn.of(course) for course in courses]
    _sort(rows, columns, filters)
    return Grid(columns, rows, now)


def _with_status(rows: list[PersonRow], status: str | None) -> list[PersonRow]:
    if not status:
        return rows
    return [row for row in rows if any(cell.status == status for cell in row.cells)]


def _sort(rows: list[PersonRow], courses: list[CourseColumn], filters: Filters) -> None:
    key: Callable[[PersonRow], Any]
    if filters.sort == "area":
        key = lambda row: (finnish_key(row.area.name_fi if row.area else ""), finnish_key(row.name))  # noqa: E731
    elif filters.sort == "last_activity":
        key = lambda row: (row.last_activity or datetime.min.replace(tzinfo=utcnow().tzinfo), row.id)  # noqa: E731
    elif filters.sort.startswith("course:") and (index := _course_index(courses, filters.sort[7:])) is not None:
        key = lambda row: (  # noqa: E731
            STATUS_ORDER.index(row.cells[index].status),
            -row.cells[index].percent,
            finnish_key(row.name),
        )
    else:
        key = lambda row: (finnish_key(row.name), row.id)  # noqa: E731
    rows.sort(key=key, reverse=filters.descending)


def _course_index(courses: list[CourseColumn], key: str) -> int | None:
    return next((index for index, course in enumerate(courses) if course.key == key), None)


@dataclass
class _CourseFacts:
    """A course's step counts and the due dates its assignments give, by whom they reach."""

    course: Course
    lessons: int
    checks: int
    due_by_person: dict[int, date | None] = field(default_factory=dict)
    due_by_area: dict[int, date | None] = field(default_factory=dict)
    due_by_role: dict[str, date | None] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.lessons + self.checks + self.course.requires_live_session

    def add_assignment(self, person_id, area_id, role, due_on) -> None:
        for targets, key in ((self.due_by_person, person_id), (self.due_by_area, area_id), (self.due_by_role, role)):
            if key is not None:
                targets[key] = _earliest(targets.get(key, due_on), due_on)

    def due(self, person: PersonRow) -> tuple[date | None, bool]:
        """The earliest due date of the assignments reaching the person, and whether any does."""
        reaching = []
        if person.id in self.due_by_person:
            reaching.append(self.due_by_person[person.id])
        if person.area is not None and person.area.id in self.due_by_area:
            reaching.append(self.due_by_area[person.area.id])
        reaching += [self.due_by_role[role] for role in person.roles if role in self.due_by_role]
        dates = [due for due in reaching if due]
        return (min(dates) if dates else None), bool(reaching)


def _earliest(first: date | None, second: date | None) -> date | None:
    return min(first, second) if first and second else first or second


@dataclass
class _ProgressFacts:
    """Everything needed to compute the cells of many people, read in one query per kind."""

    courses: list[_CourseFacts]
    roles: dict[int, list[str]]
    rounds: dict[tuple[int, int], int]  # (person, course) -> current round of an enrolment
    lessons_done: dict[tuple[int, int, int], int]  # (person, course, round) -> lessons read
    checks_passed: dict[tuple[int, int, int], int]
    completions: dict[tuple[int, int], datetime | None]  # valid one of the current round -> expires_at
    attended: set[tuple[int, int]]
    last_activity: dict[int, datetime]

    @classmethod
    def load(cls, people, courses: list[Course]) -> "_ProgressFacts":
        course_ids = [course.id for course in courses]
        facts = {
            course.id: _CourseFacts(
                course, len(course.active_lessons), sum(1 for module in course.active_modules if module.active_check)
            )
            for course in courses
        }
        for course_id, *target in db.session.execute(
            select(
                CourseAssignment.course_id,
                CourseAssignment.person_id,
                CourseAssignment.area_id,
                CourseAssignment.role,
                CourseAssignment.due_on,
            ).where(CourseAssignment.course_id.in_(course_ids))
        ):
            facts[course_id].add_assignment(*target)
        roles = defaultdict(list)
        for user_id, role in db.session.execute(
            select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(people)).order_by(UserRole.role)
        ):
            roles[user_id].append(role)
        rounds = {
            (user_id, course_id): round_
            for user_id, course_id, round_ in db.session.execute(
                select(Enrolment.user_id, Enrolment.course_id, Enrolment.round).where(
                    Enrolment.user_id.in_(people), Enrolment.course_id.in_(course_ids)
                )
            )
        }
        return cls(
            courses=list(facts.values()),
            roles=roles,
            rounds=rounds,
            lessons_done=_counts(_lessons_read(people, course_ids)),
            checks_passed=_counts(_checks_passed(people, course_ids)),
            completions={
                (user_id, course_id): expires_at
                for user_id, course_id, round_, expires_at in db.session.execute(
                    select(
                        CourseCompletion.user_id,
                        CourseCompletion.course_id,
                        CourseCompletion.round,
                        CourseCompletion.expires_at,
                    ).where(
                        CourseCompletion.user_id.in_(people),
                        CourseCompletion.course_id.in_(course_ids),
                        CourseCompletion.withdrawn_at.is_(None),
                    )
                )
                if rounds.get((user_id, course_id)) == round_
            },
            attended=set(
                db.session.execute(
                    select(Registration.user_id, TrainingSession.course_id)
                    .join(TrainingSession)
                    .where(
                        Registration.user_id.in_(people),
                        TrainingSession.course_id.in_(course_ids),
                        Registration.attendance == Attendance.ATTENDED,
                    )
                    .distinct()
                )
            ),
            last_activity=_last_activity(people),
        )

    def cells(self, person: PersonRow, now: datetime) -> list[Cell]:
        return [self._cell(person, facts, now) for facts in self.courses]

    def _cell(self, person: PersonRow, facts: _CourseFacts, now: datetime) -> Cell:
        key = (person.id, facts.course.id)
        current_round = self.rounds.get(key)
        live = facts.course.requires_live_session
        attended = live and key in self.attended
        done = int(attended)
        if current_round is not None:
            round_key = (*key, current_round)
            done += min(self.lessons_done.get(round_key, 0), facts.lessons)
            done += min(self.checks_passed.get(round_key, 0), facts.checks)
        total = facts.total
        due_on, assigned = facts.due(person)
        status = course_status(
            completed=key in self.completions,
            expires_at=self.completions.get(key),
            due_on=due_on,
            enrolled=current_round is not None,
            assigned=assigned,
            awaiting_live_session=live and not attended and done == total - 1,
            now=now,
        )
        return Cell(status, round(100 * done / total) if total else 0, done, total, current_round is not None)


def _lessons_read(people, course_ids):
    """Active lessons read per person, course and round; the current round is picked in Python,
    which is cheaper than joining every row to its enrolment."""
    return (
        select(LessonCompletion.user_id, Lesson.course_id, LessonCompletion.round, func.count())
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .where(
            LessonCompletion.user_id.in_(people),
            Lesson.course_id.in_(course_ids),
            Lesson.archived_at.is_(None),
            CourseModule.archived_at.is_(None),
        )
        .group_by(LessonCompletion.user_id, Lesson.course_id, LessonCompletion.round)
    )


def _checks_passed(people, course_ids):
    return (
        select(
            CheckAttempt.user_id,
            CourseModule.course_id,
            CheckAttempt.round,
            func.count(distinct(CheckAttempt.check_id)),
        )
        .join(KnowledgeCheck, KnowledgeCheck.id == CheckAttempt.check_id)
        .join(CourseModule, CourseModule.id == KnowledgeCheck.module_id)
        .where(
            CheckAttempt.user_id.in_(people),
            CheckAttempt.passed,
            CourseModule.course_id.in_(course_ids),
            KnowledgeCheck.archived_at.is_(None),
            CourseModule.archived_at.is_(None),
        )
        .group_by(CheckAttempt.user_id, CourseModule.course_id, CheckAttempt.round)
    )


def _counts(query) -> dict[tuple[int, int, int], int]:
    return {(user_id, course_id, round_): count for user_id, course_id, round_, count in db.session.execute(query)}


def _last_activity(people) -> dict[int, datetime]:
    """The latest lesson read or knowledge check answered, in any round, per person."""
    latest: dict[int, datetime] = {}
    for column, user in (
        (LessonCompletion.completed_at, LessonCompletion.user_id),
        (CheckAttempt.submitted_at, CheckAttempt.user_id),
    ):
        for user_id, moment in db.session.execute(
            select(user, func.max(column)).where(user.in_(people)).group_by(user)
        ):
            if moment and (user_id not in latest or moment > latest[user_id]):
                latest[user_id] = moment
    return latest
