"""Report pages and their exports. Staff see everything; an area lead sees their own area;
everyone sees their own person page."""

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ..accounts.models import Area, AreaKind, Role, Sector, User
from ..accounts.policy import (
    can_read_national_report,
    can_read_reports,
    guard,
    may_read_person_report,
    report_area,
    requires,
    signed_in,
)
from ..accounts.services import all_areas
from ..core.pagination import paginate_list
from ..core.spreadsheets import csv_download, record_export, xlsx_download
from ..core.urls import database_int
from ..curriculum.services import CourseStatus, find_course
from ..extensions import db
from . import services
from .charts import bar_chart
from .grid import SORTS, Filters, course_columns

blueprint = Blueprint("reports", __name__, url_prefix="/reports")
FILE_FORMATS = ("csv", "xlsx")


guard(blueprint, signed_in)  # who may see which report is declared per page below


def _scope_area() -> int | None:
    """None for staff, who see everything; an area lead's own area (see policy.report_area)."""
    return report_area(current_user)


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def _filters() -> Filters:
    courses = {course.key for course in course_columns()}
    sort = request.args.get("sort", "name")
    if sort not in SORTS and sort.removeprefix("course:") not in courses:
        sort = "name"
    return Filters(
        area_id=request.args.get("area", type=database_int),
        area_kind=_choice("area_kind", set(AreaKind)),
        sector=_choice("sector", set(Sector)),
        role=_choice("role", set(Role)),
        course_key=_choice("course", courses),
        status=_choice("status", set(CourseStatus)),
        sort=sort,
        descending=request.args.get("order") == "desc",
    ).scoped_to(_scope_area())


def _report_request(report: str) -> services.ReportRequest:
    course = None
    if report == "course":
        course = find_course(request.args.get("course", "")) or abort(404)
    if report == "national" and not can_read_national_report(current_user):
        abort(403)  # the whole country is for the support service's staff
    years = services.meeting_years()
    year = request.args.get("year", type=int)
    return services.ReportRequest(
        _filters(), str(get_locale()), course=course, year=year if year in years else (years[0] if years else None)
    )


def _page_context(report: str) -> dict:
    report_request = _report_request(report)
    grid, tables = services.REPORTS[report](report_request)
    return {
        "report": report,
        "report_request": report_request,
        "grid": grid,
        "tables": tables,
        "charts": {table.key: bar_chart(table) for table in tables},
        "filter_choices": _filter_choices(),
        "area_fixed": _scope_area() is not None,
    }


def _filter_choices() -> dict:
    """Each filter's (value, text) pairs, in the page's language."""
    locale = str(get_locale())
    return {
        "areas": [(area.id, area.name(locale)) for area in all_areas(locale)],
        **{
            name: [(member.value, member.label) for member in enum]
            for name, enum in (
                ("area_kinds", AreaKind),
                ("sectors", Sector),
                ("roles", Role),
                ("statuses", CourseStatus),
            )
        },
        "courses": [(course.key, course.title_in(locale)) for course in course_columns()],
        "years": [(year, year) for year in services.meeting_years()],
    }


@blueprint.route("/")
@requires(can_read_reports)
def index():
    scope = _scope_area()
    return render_template(
        "kaiku/reports/index.html", courses=course_columns(), own_area=db.session.get(Area, scope) if scope else None
    )


@blueprint.route("/matrix")
@requires(can_read_reports)
def matrix():
    context = _page_context("matrix")
    page = paginate_list(context["grid"].rows, request.args.get("page", 1, type=int))
    return render_template("kaiku/reports/matrix.html", page=page, **context)


@blueprint.route("/areas")
@requires(can_read_reports)
def areas():
    return render_template("kaiku/reports/areas.html", **_page_context("areas"))


@blueprint.route("/national")
@requires(can_read_national_report)
def national():
    return render_template("kaiku/reports/national.html", **_page_context("national"))


@blueprint.route("/course")
@requires(can_read_reports)
def course():
    return render_template("kaiku/reports/course.html", **_page_context("course"))


@blueprint.route("/<report>/<table_key>.<file_format>")
@requires(can_read_reports)
def export(report, table_key, file_format):
    if report not in services.REPORTS or file_format not in FILE_FORMATS:
        abort(404)
    report_request = _report_request(report)
    _grid, tables = services.REPORTS[report](report_request)
    table = next((table for table in tables if table.key == table_key), None) or abort(404)
    filename = f"kaiku-{report}-{table_key}-{report_request.now:%Y-%m-%d}.{file_format}"
    record_export(
        current_user,
        "report.exported",
        report=report,
        table=table_key,
        format=file_format,
        filters=request.args.to_dict(),
    )
    header = [column.label for column in table.columns]
    if file_format == "xlsx":
        return xlsx_download(header, table.rows, filename, sheet_title=table.title)
    return csv_download(header, table.rows, filename)


@blueprint.route("/people/<int:person_id>")
@requires(signed_in)  # one's own record; others' as may_read_person_report says
def person(person_id):
    person = db.session.get(User, person_id) or abort(404)
    if not may_read_person_report(current_user, person):
        abort(403)
    return render_template("kaiku/reports/person.html", report=services.person_report(person))
