"""The report tables: each page, its CSV and its XLSX are made from the same Table, so the
numbers on screen and in the files cannot differ."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, true

from ..accounts.models import Area, AreaKind, AreaStatus, Role, Sector, User
from ..core.collation import finnish_key
from ..core.i18n import in_locale
from ..core.timeutil import local_zone, utcnow
from ..curriculum.models import CheckAttempt, Course, CourseCompletion, CourseModule, KnowledgeCheck
from ..curriculum.services import VALID_COMPLETION, CourseProgress, CourseStatus, dashboard, grade
from ..events.kinds import listed_kinds
from ..events.models import Attendance, Registration, RegistrationStatus, TrainingSession
from ..extensions import db
from ..meetings.models import MeetingEdition
from .grid import AreaInfo, Filters, Grid, cached_grid, people_query

MONTHS_SHOWN = 12


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, number, percent, datetime


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: Iterable[list[Any]] = field(default_factory=list)
    chart: tuple[int, int] | None = None  # (label column, value column) drawn as bars beside the table

    def add(self, row: list[Any]) -> None:
        """One more row, for a table built row by row (whose rows are a list, not made when read)."""
        assert isinstance(self.rows, list)
        self.rows.append(row)


def _area_name(area: Area | AreaInfo | None, locale: str) -> str:
    return area.name(locale) if area else _("No area")


def _rate(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# --- person × course ------------------------------------------------------------------------------


def matrix_table(grid: Grid, locale: str) -> Table:
    columns = [
        Column(_("Name")),
        Column(_("Email")),
        Column(_("Area")),
        Column(_("Sector")),
        Column(_("Roles")),
        Column(_("Last activity"), "datetime"),
    ]
    for course in grid.courses:
        title = course.title_in(locale)
        columns += [Column(_("%(course)s: status", course=title)), Column(_("%(course)s: %%", course=title), "percent")]
    # Rows are made only when read: the page shows the grid itself, an export streams them.
    return Table("people", _("Progress per person and course"), columns, rows=_matrix_rows(grid, locale))


def _matrix_rows(grid: Grid, locale: str):
    # Labels translated once, not once per row: an export has tens of thousands of cells.
    statuses, sectors, roles = (_labels(enum) for enum in (CourseStatus, Sector, Role))
    erased, no_area = _("Erased person"), _("No area")
    for row in grid.rows:
        cells = []
        for cell in row.cells:
            cells += [statuses[cell.status], None if cell.status == CourseStatus.NOT_ENROLLED else cell.percent]
        yield [
            erased if row.erased else row.name,
            "" if row.erased else row.email,
            row.area.name(locale) if row.area else no_area,
            sectors.get(row.sector or "", ""),
            ", ".join(roles[role] for role in row.roles),
            row.last_activity,
            *cells,
        ]


def _labels(enum) -> dict[str, str]:
    return {member.value: str(member.label) for member in enum}


# --- areas ----------------------------------------------------------------------------------------


def areas_table(grid: Grid, locale: str) -> Table:
    """People, the share with a valid completion per course, and last activity, per area."""
    columns = [Column(_("Area")), Column(_("Kind")), Column(_("Status")), Column(_("People"), "number")]
    columns += [
        Column(_("%(course)s: completed %%", course=course.title_in(locale)), "percent") for course in grid.courses
    ]
    columns.append(Column(_("Last activity"), "datetime"))
    by_area = defaultdict(list)
    for row in grid.rows:
        by_area[row.area.id if row.area else None].append(row)
    areas = {row.area.id: row.area for row in grid.rows if row.area}
    table = Table("areas", _("Areas"), columns)
    for area_id in sorted(by_area, key=lambda key: (key is None, finnish_key(areas[key].name(locale) if key else ""))):
        area, people = areas.get(area_id) if area_id is not None else None, by_area[area_id]
        completed = [
            _rate(sum(row.cells[index].status in VALID_COMPLETION for row in people), len(people))
            for index in range(len(grid.courses))
        ]
        last = max((row.last_activity for row in people if row.last_activity), default=None)
        table.add(
            [
                _area_name(area, locale),
                str(AreaKind(area.kind).label) if area else "",
                str(AreaStatus(area.status).label) if area else "",
                len(people),
                *completed,
                last,
            ]
        )
    return table


def courses_table(grid: Grid, locale: str) -> Table:
    table = Table(
        "courses",
        _("Completion per course"),
        [
            Column(_("Course")),
            Column(_("People"), "number"),
            Column(_("Enrolled or assigned"), "number"),
            Column(_("Valid completions"), "number"),
            Column(_("Expired"), "number"),
            Column(_("Overdue"), "number"),
            Column(_("Completed %"), "percent"),
        ],
        chart=(0, 6),
    )
    for index, course in enumerate(grid.courses):
        counts = grid.cell_counts(index)
        people = len(grid.rows)
        valid = sum(counts[status] for status in VALID_COMPLETION)
        table.add(
            [
                course.title_in(locale),
                people,
                people - counts[CourseStatus.NOT_ENROLLED],
                valid,
                counts[CourseStatus.EXPIRED],
                counts[CourseStatus.OVERDUE],
                _rate(valid, people),
            ]
        )
    return table


# --- one course -----------------------------------------------------------------------------------


def funnel_table(grid: Grid) -> Table:
    """Enrolled → started → completed (in the current round, valid or since expired)."""
    cells = [row.cells[0] for row in grid.rows]
    enrolled = sum(cell.enrolled for cell in cells)
    started = sum(cell.done > 0 or cell.status in VALID_COMPLETION | {CourseStatus.EXPIRED} for cell in cells)
    completed = sum(cell.status in VALID_COMPLETION | {CourseStatus.EXPIRED} for cell in cells)
    table = Table(
        "funnel",
        _("From enrolment to completion"),
        [
            Column(_("Stage")),
            Column(_("People"), "number"),
            Column(_("Share of the enrolled"), "percent"),
        ],
        chart=(0, 1),
    )
    for label, count in (
        (_("People enrolled"), enrolled),
        (_("People started"), started),
        (_("People completed"), completed),
    ):
        table.add([label, count, _rate(count, enrolled)])
    return table


def difficulty_table(course: Course, filters: Filters, locale: str) -> Table:
    """How often each knowledge-check question is answered right, over every attempt of the
    people the filters select; the hardest questions show first."""
    checks = {
        module.active_check.id: (module, module.active_check) for module in course.active_modules if module.active_check
    }
    answered: Counter[tuple[int, str]] = Counter()
    right: Counter[tuple[int, str]] = Counter()
    for check_id, answers in db.session.execute(
        select(CheckAttempt.check_id, CheckAttempt.answers).where(
            CheckAttempt.check_id.in_(checks), CheckAttempt.user_id.in_(people_query(filters))
        )
    ):
        _correct, feedback = grade(checks[check_id][1], answers)
        for item in feedback:
            answered[check_id, item["question"]["key"]] += 1
            right[check_id, item["question"]["key"]] += item["right"]
    table = Table(
        "questions",
        _("Knowledge-check questions"),
        [
            Column(_("Module")),
            Column(_("Question")),
            Column(_("Answers"), "number"),
            Column(_("Right %"), "percent"),
        ],
        chart=(1, 3),
    )
    rows = []
    for check_id, (module, check) in checks.items():
        for question in check.questions:
            key = (check_id, question["key"])
            rows.append(
                [
                    module.title_in(locale),
                    in_locale(question["text"], locale),
                    answered[key],
                    _rate(right[key], answered[key]),
                ]
            )
    table.rows = sorted(rows, key=lambda row: (row[2] == 0, row[3]))
    return table


# --- national -------------------------------------------------------------------------------------


def totals_table(grid: Grid) -> Table:
    people = len(grid.rows)
    areas = {row.area.id for row in grid.rows if row.area}
    statuses = Counter(cell.status for row in grid.rows for cell in row.cells)
    table = Table("totals", _("Totals"), [Column(_("Figure")), Column(_("Value"), "number")])
    table.rows = [
        [_("People"), people],
        [_("Active accounts"), sum(row.active for row in grid.rows)],
        [_("Areas with people"), len(areas)],
        [
            _("Course enrolments and assignments"),
            sum(count for status, count in statuses.items() if status != CourseStatus.NOT_ENROLLED),
        ],
        [_("Valid completions"), sum(statuses[status] for status in VALID_COMPLETION)],
        [_("Expired completions"), statuses[CourseStatus.EXPIRED]],
        [_("Overdue courses"), statuses[CourseStatus.OVERDUE]],
    ]
    return table


def _month_keys(now: datetime) -> list[tuple[int, int]]:
    local = now.astimezone(local_zone())
    months = []
    year, month = local.year, local.month
    for _step in range(MONTHS_SHOWN):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _month_label(key: tuple[int, int]) -> str:
    return f"{key[0]}-{key[1]:02d}"


def _local_month(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(local_zone())
    return local.year, local.month


def completions_by_month_table(filters: Filters, now: datetime) -> Table:
    """Course completions per calendar month (in the site's time zone), every round counted, withdrawn ones not."""
    months = _month_keys(now)
    counts = Counter(
        _local_month(moment)
        for moment in db.session.scalars(
            select(CourseCompletion.completed_at).where(
                CourseCompletion.user_id.in_(people_query(filters)),
                CourseCompletion.withdrawn_at.is_(None),
                CourseCompletion.completed_at >= _month_start(months[0]),
            )
        )
    )
    table = Table(
        "completions",
        _("Course completions per month"),
        [Column(_("Month")), Column(_("Completions"), "number")],
        chart=(0, 1),
    )
    table.rows = [[_month_label(key), counts[key]] for key in months]
    return table


def _month_start(key: tuple[int, int]) -> datetime:
    return datetime(key[0], key[1], 1, tzinfo=local_zone())


def _registrants(filters: Filters):
    """Registrations of the people the filters select; unfiltered, guests without an account count too."""
    narrowed = any((filters.area_id, filters.area_kind, filters.sector, filters.role))
    return Registration.user_id.in_(people_query(filters)) if narrowed else true()


def sessions_by_month_table(filters: Filters, now: datetime) -> Table:
    months = _month_keys(now)
    sessions: set[tuple[tuple[int, int], int]] = set()
    confirmed: Counter[tuple[int, int]] = Counter()
    attended: Counter[tuple[int, int]] = Counter()
    no_show: Counter[tuple[int, int]] = Counter()
    for session_id, starts_at, attendance in db.session.execute(
        select(TrainingSession.id, TrainingSession.starts_at, Registration.attendance)
        .join(Registration, Registration.session_id == TrainingSession.id)
        .where(
            TrainingSession.kind.in_(listed_kinds()),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at >= _month_start(months[0]),
            TrainingSession.starts_at <= now,
            Registration.status == RegistrationStatus.CONFIRMED,
            _registrants(filters),
        )
    ):
        month = _local_month(starts_at)
        sessions.add((month, session_id))
        confirmed[month] += 1
        attended[month] += attendance == Attendance.ATTENDED
        no_show[month] += attendance == Attendance.NO_SHOW
    held = Counter(month for month, _session in sessions)
    table = Table(
        "sessions",
        _("Live session attendance per month"),
        [
            Column(_("Month")),
            Column(_("Sessions held"), "number"),
            Column(_("Confirmed registrations"), "number"),
            Column(_("Attended"), "number"),
            Column(_("No-shows"), "number"),
            Column(_("Attended %"), "percent"),
        ],
        chart=(0, 3),
    )
    table.rows = [
        [
            _month_label(key),
            held[key],
            confirmed[key],
            attended[key],
            no_show[key],
            _rate(attended[key], confirmed[key]),
        ]
        for key in months
    ]
    return table


def meeting_years() -> list[int]:
    return list(db.session.scalars(select(MeetingEdition.year).order_by(MeetingEdition.year.desc())))


def meeting_by_area_table(filters: Filters, year: int | None, locale: str) -> Table:
    """Annual-meeting registrations and attendance per area; guests count under their own row."""
    table = Table(
        "meeting",
        _("Annual meeting %(year)s by area", year=year or "–"),
        [
            Column(_("Area")),
            Column(_("Registered"), "number"),
            Column(_("Attended"), "number"),
        ],
        chart=(0, 1),
    )
    if year is None:
        return table
    registered: Counter[int | str | None] = Counter()
    attended: Counter[int | str | None] = Counter()
    for area_id, is_guest, attendance in db.session.execute(
        select(User.area_id, Registration.user_id.is_(None), Registration.attendance)
        .select_from(Registration)
        .join(MeetingEdition, MeetingEdition.session_id == Registration.session_id)
        .outerjoin(User, User.id == Registration.user_id)
        .where(MeetingEdition.year == year, Registration.status == RegistrationStatus.CONFIRMED, _registrants(filters))
    ):
        key = "guests" if is_guest else area_id
        registered[key] += 1
        attended[key] += attendance == Attendance.ATTENDED
    areas = {
        area.id: area
        for area in db.session.scalars(
            select(Area).where(Area.id.in_([key for key in registered if isinstance(key, int)]))
        )
    }
    for key in sorted(registered, key=lambda key: -registered[key]):
        label = (
            _("Guests without an account")
            if key == "guests"
            else _area_name(areas.get(key) if isinstance(key, int) else None, locale)
        )
        table.add([label, registered[key], attended[key]])
    return table


# --- the reports ----------------------------------------------------------------------------------


@dataclass
class ReportRequest:
    filters: Filters
    locale: str
    course: Course | None = None
    year: int | None = None
    now: datetime = field(default_factory=utcnow)


def matrix_report(request: ReportRequest) -> tuple[Grid, list[Table]]:
    grid = cached_grid(request.filters)
    return grid, [matrix_table(grid, request.locale)]


def areas_report(request: ReportRequest) -> tuple[Grid, list[Table]]:
    grid = cached_grid(request.filters)
    return grid, [courses_table(grid, request.locale), areas_table(grid, request.locale)]


def national_report(request: ReportRequest) -> tuple[Grid, list[Table]]:
    grid = cached_grid(request.filters)
    return grid, [
        totals_table(grid),
        courses_table(grid, request.locale),
        completions_by_month_table(request.filters, request.now),
        sessions_by_month_table(request.filters, request.now),
        meeting_by_area_table(request.filters, request.year, request.locale),
    ]


def course_report(request: ReportRequest) -> tuple[Grid, list[Table]]:
    if request.course is None:
        raise ValueError("the course report is about one course")
    filters = replace(request.filters, course_key=request.course.key)
    grid = cached_grid(filters)
    return grid, [funnel_table(grid), difficulty_table(request.course, filters, request.locale)]


REPORTS = {"matrix": matrix_report, "areas": areas_report, "national": national_report, "course": course_report}


# --- one person -----------------------------------------------------------------------------------


@dataclass
class PersonReport:
    person: User
    courses: list[CourseProgress]
    attempts: list  # (CheckAttempt, module title dict, course)
    sessions: list[Registration]
    meetings: list[tuple[Registration, MeetingEdition]]


def person_report(person: User) -> PersonReport:
    attempts = db.session.execute(
        select(CheckAttempt, CourseModule.title, Course)
        .join(KnowledgeCheck, KnowledgeCheck.id == CheckAttempt.check_id)
        .join(CourseModule, CourseModule.id == KnowledgeCheck.module_id)
        .join(Course, Course.id == CourseModule.course_id)
        .where(CheckAttempt.user_id == person.id)
        .order_by(CheckAttempt.submitted_at.desc())
    ).all()
    registrations = db.session.scalars(
        select(Registration)
        .join(TrainingSession)
        .where(Registration.user_id == person.id)
        .order_by(TrainingSession.starts_at.desc())
    ).all()
    editions = {
        edition.session_id: edition
        for edition in db.session.scalars(
            select(MeetingEdition).where(
                MeetingEdition.session_id.in_([registration.session_id for registration in registrations])
            )
        )
    }
    return PersonReport(
        person,
        dashboard(person),
        list(attempts),
        [registration for registration in registrations if registration.session_id not in editions],
        [
            (registration, editions[registration.session_id])
            for registration in registrations
            if registration.session_id in editions
        ],
    )
