"""UTC in the middle of the program; the site's time zone (the TIMEZONE setting, Europe/Helsinki
by default) only at the edges."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The site's time zone, the TIMEZONE setting: wall-clock times are read and shown in it."""
    return ZoneInfo(current_app.config["TIMEZONE"])


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no timezone type and hands back naive values; this stores UTC and always
    returns an aware datetime, so comparisons never mix naive and aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_type(type_, obj, autogen_context):
    """Write UTCDateTime into migrations as the plain column type it creates, so revisions
    do not import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 03:30 on the last Sunday of March)."""


class AmbiguousLocalTime(ValueError):
    """A wall-clock time that occurs twice when the clocks go back (e.g. 03:30 on the last Sunday of October)."""


def local_to_utc(day, time_of_day, zone_name: str, fold: int | None = 0) -> datetime:
    """A wall-clock time in `zone_name` as UTC. Refuses times that do not exist on that day.
    For the hour repeated in autumn, fold=0 takes the first (summer-time) occurrence, fold=1
    the second, and fold=None refuses to guess (AmbiguousLocalTime)."""
    zone = ZoneInfo(zone_name)
    local = datetime.combine(day, time_of_day, tzinfo=zone)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{local:%Y-%m-%d %H:%M} does not exist in {zone_name}")
    second = local.replace(fold=1).astimezone(UTC)
    if second == as_utc:
        return as_utc
    if fold is None:
        raise AmbiguousLocalTime(f"{local:%Y-%m-%d %H:%M} occurs twice in {zone_name}")
    return second if fold else as_utc


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone_name))


def utc_offset_hours(moment: datetime, zone_name: str) -> float:
    """How many hours `zone_name` is ahead of UTC at `moment`, e.g. 2 in a Finnish winter."""
    return (utc_to_local(moment, zone_name).utcoffset() or timedelta(0)).total_seconds() / 3600
