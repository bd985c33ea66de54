"""`flask demo generate`: a synthetic, national-scale data set for the progress reports and their
benchmarks: areas, people, their course progress, live sessions and annual-meeting registrations.

Rows are written with bulk INSERTs in one transaction, so that 10 000 people with all their
progress take seconds. Every run adds a new batch: area names and emails never clash with those
of earlier runs. Nobody here is real: names are combined from lists of common first and last
names, and emails use a reserved example domain.
"""

import math
import random
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count

from flask import current_app
from sqlalchemy import func, insert, select, update

from ..accounts.models import Area, AreaKind, AreaStatus, Role, Sector, User, UserRole
from ..core.timeutil import local_to_utc, utcnow
from ..curriculum.models import (
    CheckAttempt,
    Course,
    CourseAssignment,
    CourseCompletion,
    Enrolment,
    KnowledgeCheck,
    Lesson,
    LessonCompletion,
)
from ..curriculum.services import RENEWAL_NOTICE, add_months, catalogue, grade
from ..events.models import SESSION, Attendance, Registration, RegistrationStatus, TrainingSession, session_trainer
from ..extensions import db
from ..meetings import services as meetings
from ..meetings.models import MeetingAnswer, MeetingQuestion
from .meetings import edition_fields

EMAIL_DOMAIN = "synthetic.example"
ROWS_PER_INSERT = 1000
PEOPLE_PER_BATCH = 1000  # generated, written and reported to the progress bar together
PEOPLE_SINCE = timedelta(days=3 * 365)
PROGRESS_SINCE = timedelta(days=730)  # rounds start within the last 24 months
SESSION_DAYS_BACK, SESSION_DAYS_AHEAD = 365, 56
SEATS_PER_SESSION = (20, 25, 30, 40)

AREA_KINDS = {AreaKind.MUNICIPALITY: 55, AreaKind.CITY: 30, AreaKind.SUB_REGION: 11, AreaKind.WELLBEING_COUNTY: 4}
AREA_SIZE = {AreaKind.MUNICIPALITY: 1, AreaKind.CITY: 3, AreaKind.SUB_REGION: 2, AreaKind.WELLBEING_COUNTY: 4}
AREA_STATUSES = {AreaStatus.PERMANENT: 75, AreaStatus.PILOT: 20, AreaStatus.ENDED: 5}
ROLES = {Role.COORDINATOR: 97, Role.AREA_LEAD: 2, Role.TRAINER: 1}
SECTORS = {Sector.CULTURE: 45, Sector.SOCIAL_HEALTH: 40, Sector.WELLBEING: 15}
LOCALES = {"fi": 91, "sv": 6, "en": 3}
ENROLMENT_RATES = (0.8, 0.3, 0.2)  # by catalogue order (the basics first); later courses get the last
OUTCOMES = {"not_started": 12, "part_way": 28, "done": 60}
FAILED_ATTEMPTS = {0: 65, 1: 25, 2: 10}
RENEWING_SHARE = 0.6  # of people whose completion is due for renewal or expired
MEETING_SHARE = 0.3

FINNISH_FIRST_NAMES = [
    "Aino",
    "Anna",
    "Anne",
    "Annika",
    "Anu",
    "Eeva",
    "Elina",
    "Emilia",
    "Hanna",
    "Heidi",
    "Helena",
    "Jenni",
    "Johanna",
    "Kaisa",
    "Katja",
    "Kirsi",
    "Laura",
    "Leena",
    "Liisa",
    "Maria",
    "Marja",
    "Milla",
    "Minna",
    "Noora",
    "Outi",
    "Pauliina",
    "Pirjo",
    "Riikka",
    "Sanna",
    "Satu",
    "Suvi",
    "Tiina",
    "Tuula",
    "Veera",
    "Aleksi",
    "Antti",
    "Eero",
    "Heikki",
    "Ilkka",
    "Janne",
    "Jari",
    "Joonas",
    "Juha",
    "Jukka",
    "Jussi",
    "Kalle",
    "Lauri",
    "Markku",
    "Matti",
    "Mika",
    "Mikko",
    "Olli",
    "Pekka",
    "Petri",
    "Sami",
    "Teemu",
    "Timo",
    "Tuomas",
    "Ville",
]
FINNISH_LAST_NAMES = [
    "Aaltonen",
    "Aho",
    "Ahonen",
    "Anttila",
    "Hakala",
    "Heikkilä",
    "Heikkinen",
    "Heinonen",
    "Hiltunen",
    "Hirvonen",
    "Honkanen",
    "Huttunen",
    "Hyvönen",
    "Hämäläinen",
    "Jokinen",
    "Järvinen",
    "Kallio",
    "Karjalainen",
    "Kettunen",
    "Kinnunen",
    "Koivisto",
    "Korhonen",
    "Koskinen",
    "Laaksonen",
    "Lahtinen",
    "Laine",
    "Laitinen",
    "Lehtinen",
    "Lehtonen",
    "Leinonen",
    "Leppänen",
    "Manninen",
    "Mattila",
    "Miettinen",
    "Mustonen",
    "Mäkelä",
    "Mäkinen",
    "Niemi",
    "Nieminen",
    "Oksanen",
    "Peltonen",
    "Pesonen",
    "Pitkänen",
    "Rantanen",
    "Rautio",
    "Räsänen",
    "Salminen",
    "Salo",
    "Salonen",
    "Savolainen",
    "Seppälä",
    "Toivonen",
    "Tuominen",
    "Turunen",
    "Vainio",
    "Virtanen",
    "Väisänen",
]
SWEDISH_FIRST_NAMES = [
    "Anders",
    "Erik",
    "Fredrik",
    "Henrik",
    "Johan",
    "Jonas",
    "Mikael",
    "Niklas",
    "Patrik",
    "Anna",
    "Britt",
    "Cecilia",
    "Emma",
    "Ida",
    "Johanna",
    "Karin",
    "Linnea",
    "Maria",
    "Sara",
    "Sofia",
]
SWEDISH_LAST_NAMES = [
    "Backman",
    "Björklund",
    "Blomqvist",
    "Eklund",
    "Engström",
    "Forsman",
    "Grönroos",
    "Holmström",
    "Karlsson",
    "Lindholm",
    "Lindqvist",
    "Lindström",
    "Nordström",
    "Nyström",
    "Sjöberg",
    "Strömberg",
    "Sundström",
    "Westerlund",
    "Wikström",
    "Åberg",
]
# Place names are a stem and an ending; the genitive names sub-regions and wellbeing counties.
PLACE_STEMS = [
    "Koivu",
    "Pihlaja",
    "Kuusi",
    "Mänty",
    "Leppä",
    "Haapa",
    "Tammi",
    "Paju",
    "Kataja",
    "Kivi",
    "Hiekka",
    "Savi",
    "Ruoho",
    "Kallio",
    "Sammal",
    "Karhu",
    "Susi",
    "Kettu",
    "Hirvi",
    "Ilves",
    "Kotka",
    "Haukka",
    "Joutsen",
    "Kurki",
    "Sorsa",
    "Lohi",
    "Hauki",
    "Ahven",
    "Lumi",
    "Kuu",
    "Tähti",
    "Päivä",
    "Sini",
    "Valko",
    "Kulta",
    "Hopea",
    "Rauta",
    "Vanha",
    "Uusi",
    "Iso",
]
PLACE_ENDINGS = (
    ("lahti", "lahden"),
    ("niemi", "niemen"),
    ("järvi", "järven"),
    ("koski", "kosken"),
    ("mäki", "mäen"),
    ("salo", "salon"),
    ("joki", "joen"),
    ("vaara", "vaaran"),
    ("lampi", "lammen"),
    ("saari", "saaren"),
    ("harju", "harjun"),
    ("kylä", "kylän"),
    ("ranta", "rannan"),
    ("virta", "virran"),
    ("selkä", "selän"),
    ("linna", "linnan"),
    ("vesi", "veden"),
    ("kangas", "kankaan"),
    ("maa", "maan"),
    ("puro", "puron"),
)
PLACE_PREFIXES = ("", "Ylä-", "Ala-", "Etelä-", "Pohjois-", "Itä-", "Länsi-", "Keski-", "Vähä-", "Suur-")


class NoCoursesSynced(RuntimeError):
    """Progress needs courses: `flask courses sync` has not been run."""


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _insert(model, rows: list[dict]) -> None:
    # render_nulls: without it a None leaves its column out, which splits the rows into one
    # INSERT per pattern of missing values.
    statement = insert(model).execution_options(render_nulls=True)
    for start in range(0, len(rows), ROWS_PER_INSERT):
        db.session.execute(statement, rows[start : start + ROWS_PER_INSERT])


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert and return the new ids in the order of `rows`."""
    statement = insert(model).returning(model.id, sort_by_parameter_order=True).execution_options(render_nulls=True)
    ids: list[int] = []
    for start in range(0, len(rows), ROWS_PER_INSERT):
        ids += db.session.scalars(statement, rows[start : start + ROWS_PER_INSERT]).all()
    return ids


# --- what the generator walks -------------------------------------------------------------------


@dataclass
class _Check:
    """A knowledge check with the correct-answer counts that pass it and those that fail it."""

    check: KnowledgeCheck
    passing_counts: list[int]
    failing_counts: list[int]

    @classmethod
    def of(cls, check: KnowledgeCheck) -> "_Check":
        total = len(check.questions)
        passes = {correct: round(100 * correct / total) >= check.pass_mark for correct in range(total + 1)}
        return cls(check, [c for c, ok in passes.items() if ok], [c for c, ok in passes.items() if not ok])


@dataclass
class _Course:
    course: Course
    steps: list[Lesson | _Check]  # in the order a learner takes them
    enrolment_rate: float


@dataclass
class _Session:
    id: int
    course_id: int | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    audience_roles: list
    open_to_guests: bool
    consent_question_id: int | None = None  # annual meetings: the participant-list consent
    booked: set[int] = field(default_factory=set)


@dataclass
class _Person:
    id: int
    role: str
    locale: str
    created_at: datetime


def _courses() -> list[_Course]:
    courses = []
    for position, course in enumerate(catalogue()):
        steps: list[Lesson | _Check] = []
        for module in course.active_modules:
            steps += module.active_lessons
            if module.active_check:
                steps.append(_Check.of(module.active_check))
        if steps:
            courses.append(_Course(course, steps, ENROLMENT_RATES[min(position, len(ENROLMENT_RATES) - 1)]))
    return courses


def _place_names(rng: random.Random):
    """Finnish-sounding (nominative, genitive) names: Koivulahti, then Ylä-Koivulahti, and so on."""
    bases = [(stem + nominative, stem + genitive) for stem in PLACE_STEMS for nominative, genitive in PLACE_ENDINGS]
    rng.shuffle(bases)
    for prefix in PLACE_PREFIXES:
        for nominative, genitive in bases:
            yield prefix + nominative, prefix + genitive
    for number in count(2):  # only after thousands of areas
        for nominative, genitive in bases:
            yield f"{nominative} {number}", f"{genitive} {number}"


def _working_day(day: date, later: bool) -> date:
    """The day itself if a weekday, else the nearest weekday after (later) or before it."""
    while day.weekday() >= 5:
        day += timedelta(days=1 if later else -1)
    return day


def _area_names(kind: str, nominative: str, genitive: str) -> dict:
    if kind == AreaKind.SUB_REGION:
        return {
            "name_fi": f"{genitive} seutu",
            "name_sv": f"{nominative} ekonomiska region",
            "name_en": f"{nominative} sub-region",
        }
    if kind == AreaKind.WELLBEING_COUNTY:
        return {
            "name_fi": f"{genitive} hyvinvointialue",
            "name_sv": f"{nominative} välfärdsområde",
            "name_en": f"{nominative} Wellbeing Services County",
        }
    return {"name_fi": nominative, "name_sv": nominative, "name_en": nominative}


def _ensure_meeting_editions(now: datetime) -> int:
    """Without any annual meeting, create last year's and this year's editions; return how many.
    The meetings service commits, so this runs before any bulk insert."""
    if meetings.editions():
        return 0
    for year in (now.year - 1, now.year):
        meetings.create_edition(year, edition_fields(year))
    return 2


def _meeting_sessions() -> list[_Session]:
    consent = dict(
        db.session.execute(
            select(MeetingQuestion.edition_id, MeetingQuestion.id).where(MeetingQuestion.is_listing_consent)
        ).all()
    )
    return [
        _Session(
            edition.session.id,
            None,
            edition.session.starts_at,
            edition.session.ends_at,
            edition.session.capacity,
            edition.session.audience_roles,
            edition.session.open_to_guests,
            consent.get(edition.id),
        )
        for edition in meetings.editions()
    ]


def _email_numbers() -> count:
    """Numbers for this run's emails, after those of earlier runs, so that emails never clash."""
    emails = db.session.scalars(select(User.email).where(User.email.like(f"%@{EMAIL_DOMAIN}")))
    numbers = [email.split("@")[0].rsplit(".", 1)[-1] for email in emails]
    return count(max((int(number) for number in numbers if number.isdigit()), default=0) + 1)


def _recount_seats(session_ids: list[int]) -> None:
    confirmed = (
        select(func.count())
        .select_from(Registration)
        .where(Registration.session_id == TrainingSession.id, Registration.status == RegistrationStatus.CONFIRMED)
        .scalar_subquery()
    )
    db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id.in_(session_ids))
        .values(confirmed_count=confirmed)
        .execution_options(synchronize_session=False)
    )


# --- the generator ------------------------------------------------------------------------------


def generate(people: int, areas: int, seed: int = 1, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Add `areas` areas and `people` people with course progress, live sessions and their
    registrations, annual-meeting registrations and a few course assignments; return how many
    rows of each kind were added. `progress` is called with the number of people written.

    Guarantees: every area gets at least one person and every person an area, a sector and one
    role; a course completion exists only where every lesson and check of that round is done
    (and, for a course that requires it, a live session of the course was attended); attempts
    are scored as `grade` scores them; sessions never hold more confirmed people than seats.
    A seed makes the data reproducible on the same database. Raises NoCoursesSynced without
    courses and ValueError unless 1 <= areas <= people.
    """
    if not 1 <= areas <= people:
        raise ValueError("need 1 <= areas <= people")
    if not catalogue():
        raise NoCoursesSynced("no courses have been synced")
    now = utcnow()
    editions_added = _ensure_meeting_editions(now)
    generator = _Generator(random.Random(seed), now, _courses())
    generator.counts["annual meetings"] = editions_added
    generator.run(people, areas, progress)
    db.session.commit()
    return generator.counts


class _Generator:
    def __init__(self, rng: random.Random, now: datetime, courses: list[_Course]):
        self.rng, self.now, self.courses = rng, now, courses
        self.counts = dict.fromkeys(
            (
                "areas",
                "people",
                "enrolments",
                "lesson completions",
                "check attempts",
                "course completions",
                "course assignments",
                "live sessions",
                "session registrations",
                "annual meetings",
                "annual meeting registrations",
            ),
            0,
        )
        self.sessions_by_course: dict[int, list[_Session]] = defaultdict(list)
        self.meeting_sessions = _meeting_sessions()
        self.attended: dict[tuple[int, int], datetime] = {}  # (person, course): end of the session attended
        self.trainer_ids: list[int] = []

    def run(self, people: int, areas: int, progress) -> None:
        area_ids, weights, area_since = self._add_areas(areas)
        self._add_assignments(area_ids)
        self._add_sessions(people)
        # Every area gets one person; the rest go by weight: a few big cities, many small places.
        area_of_person = area_ids + self.rng.choices(area_ids, weights=weights, k=people - areas)
        self.rng.shuffle(area_of_person)
        numbers = _email_numbers()
        for start in range(0, people, PEOPLE_PER_BATCH):
            batch = self._add_people(area_of_person[start : start + PEOPLE_PER_BATCH], area_since, numbers)
            self._add_activity(batch)
            if progress:
                progress(len(batch))
        self._add_trainers()
        _recount_seats(
            [session.id for sessions in self.sessions_by_course.values() for session in sessions]
            + [session.id for session in self.meeting_sessions]
        )

    # --- areas ---------------------------------------------------------------------------------

    def _add_areas(self, number: int) -> tuple[list[int], list[float], dict[int, datetime]]:
        """Insert the areas; return their ids, their relative sizes and since when each is active."""
        taken = set(db.session.scalars(select(Area.name_fi)))
        names = _place_names(self.rng)
        rows: list[dict] = []
        while len(rows) < number:
            kind = _pick(self.rng, AREA_KINDS)
            row = {**_area_names(kind, *next(names)), "kind": kind, **self._area_history()}
            if row["name_fi"] not in taken:
                taken.add(row["name_fi"])
                rows.append(row)
        ids = _insert_returning_ids(Area, rows)
        self.counts["areas"] = len(ids)
        weights = [min(100.0, self.rng.paretovariate(1.5) * AREA_SIZE[row["kind"]]) for row in rows]
        since = {
            area_id: datetime.combine(row["pilot_started_on"], time(), self.now.tzinfo)
            for area_id, row in zip(ids, rows, strict=False)
        }
        return ids, weights, since

    def _area_history(self) -> dict:
        today, rng = self.now.date(), self.rng
        status = _pick(rng, AREA_STATUSES)
        if status == AreaStatus.PILOT:
            started = today - timedelta(days=rng.randint(30, 540))
            return {"status": status, "pilot_started_on": started, "permanent_since": None, "ended_on": None}
        started = today - timedelta(days=rng.randint(2 * 365, 9 * 365))
        if status == AreaStatus.ENDED:
            ended = started + timedelta(days=rng.randint(365, 540))
            return {"status": status, "pilot_started_on": started, "permanent_since": None, "ended_on": ended}
        permanent = started + timedelta(days=rng.randint(365, 730))
        return {"status": status, "pilot_started_on": started, "permanent_since": permanent, "ended_on": None}

    def _add_assignments(self, area_ids: list[int]) -> None:
        """The basics for every coordinator (once), and a course for about one area in twenty."""
        basics = self.courses[0].course
        rows = [
            self._assignment(course_id=self.rng.choice(self.courses).course.id, area_id=area_id)
            for area_id in self.rng.sample(area_ids, max(1, len(area_ids) // 20))
        ]
        if (
            db.session.scalar(
                select(CourseAssignment.id).where(
                    CourseAssignment.course_id == basics.id, CourseAssignment.role == Role.COORDINATOR
                )
            )
            is None
        ):
            rows.append(self._assignment(course_id=basics.id, role=Role.COORDINATOR))
        _insert(CourseAssignment, rows)
        self.counts["course assignments"] = len(rows)

    def _assignment(self, course_id: int, area_id: int | None = None, role: str | None = None) -> dict:
        created = self.now - timedelta(days=self.rng.randint(30, 400))
        due = (created + timedelta(days=self.rng.randint(30, 540))).date()  # some already past
        return {
            "course_id": course_id,
            "person_id": None,
            "area_id": area_id,
            "role": role,
            "due_on": due,
            "assigned_by_id": None,
            "created_at": created,
        }

    # --- live sessions ---------------------------------------------------------------------------

    def _add_sessions(self, people: int) -> None:
        """Sessions of every course over the last year and the coming weeks; a course that requires
        a live session gets enough seats for most of those who finish its lessons."""
        rows = []
        for shape in self.courses:
            if shape.course.requires_live_session:
                needed = people * shape.enrolment_rate * OUTCOMES["done"] / 100
                number = max(3, math.ceil(needed / (sum(SEATS_PER_SESSION) / len(SEATS_PER_SESSION))))
            else:
                number = max(2, people // 2000)
            upcoming = max(1, number * 15 // 100)
            rows += [self._session_row(shape.course, upcoming=index < upcoming) for index in range(number)]
        ids = _insert_returning_ids(TrainingSession, rows)
        for session_id, row in zip(ids, rows, strict=False):
            self.sessions_by_course[row["course_id"]].append(
                _Session(
                    session_id,
                    row["course_id"],
                    row["starts_at"],
                    row["ends_at"],
                    row["capacity"],
                    row["audience_roles"],
                    row["open_to_guests"],
                )
            )
        self.counts["live sessions"] = len(ids)

    def _session_row(self, course: Course, upcoming: bool) -> dict:
        rng = self.rng
        today = self.now.date()
        if upcoming:
            day = _working_day(today + timedelta(days=rng.randint(1, SESSION_DAYS_AHEAD)), later=True)
        else:
            day = _working_day(today - timedelta(days=rng.randint(1, SESSION_DAYS_BACK)), later=False)
        starts_at = local_to_utc(day, time(rng.choice((9, 10, 13, 14))), current_app.config["TIMEZONE"])
        created = min(self.now, starts_at - timedelta(days=rng.randint(20, 60)))
        return {
            "kind": SESSION,
            "uid": f"{uuid.uuid4()}@kaiku-training",
            "series_key": None,
            "title": {
                "fi": f"Live-tilaisuus: {course.title_in('fi')}",
                "sv": f"Direktsänt tillfälle: {course.title_in('sv')}",
                "en": f"Live session: {course.title_in('en')}",
            },
            "description": {
                "fi": "Kurssin yhteinen etätilaisuus: kysymyksiä ja keskustelua.",
                "sv": "Kursens gemensamma distanstillfälle: frågor och diskussion.",
                "en": "The course's shared remote session: questions and discussion.",
            },
            "course_id": course.id,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=90),
            "meeting_url": f"https://meet.example.org/synthetic-{uuid.uuid4().hex[:12]}",
            "joining_instructions": {
                "fi": "Liity tietokoneella selaimen kautta.",
                "sv": "Anslut med datorn via webbläsaren.",
                "en": "Join from a computer in your browser.",
            },
            "capacity": rng.choice(SEATS_PER_SESSION),
            "confirmed_count": 0,
            "registration_opens_at": None,
            "registration_closes_at": None,
            "open_to_guests": False,
            "audience_roles": list(course.audience),
            "audience_area_ids": [],
            "sequence": 0,
            "cancelled_at": None,
            "created_at": created,
            "updated_at": created,
            "version": 1,
        }

    def _add_trainers(self) -> None:
        """One or two of the generated trainers lead each generated session."""
        if not self.trainer_ids:
            return
        rows = []
        for sessions in self.sessions_by_course.values():
            for session in sessions:
                leads = self.rng.sample(self.trainer_ids, min(len(self.trainer_ids), self.rng.randint(1, 2)))
                rows += [{"session_id": session.id, "user_id": trainer_id} for trainer_id in leads]
        _insert(session_trainer, rows)

    def _book(self, course_id: int, person: _Person, after: datetime, past: bool) -> _Session | None:
        """A free seat in a random session of the course that starts after `after`, past or upcoming."""
        candidates = [
            session
            for session in self.sessions_by_course[course_id]
            if session.starts_at > after
            and (session.ends_at <= self.now) == past
            and len(session.booked) < session.capacity
            and person.id not in session.booked
        ]
        if not candidates:
            return None
        session = self.rng.choice(candidates)
        session.booked.add(person.id)
        return session

    def _registration(self, person: _Person, session: _Session, attendance: str | None) -> dict:
        latest = min(session.starts_at, self.now)
        earliest = min(latest, max(person.created_at, session.starts_at - timedelta(days=30)))
        created = _between(self.rng, earliest, latest)
        joined = None
        if attendance == Attendance.ATTENDED:
            joined = session.starts_at - timedelta(minutes=self.rng.randint(0, 10))
        return {
            "session_id": session.id,
            "user_id": person.id,
            "guest_name": None,
            "guest_email": None,
            "guest_organisation": None,
            "guest_area": None,
            "locale": person.locale,
            "status": RegistrationStatus.CONFIRMED,
            "attendance": attendance,
            "created_at": created,
            "confirmed_at": created,
            "cancelled_at": None,
            "first_joined_at": joined,
        }

    def _past_attendance(self) -> str:
        return Attendance.ATTENDED if self.rng.random() < 0.85 else Attendance.NO_SHOW

    # --- people ----------------------------------------------------------------------------------

    def _add_people(self, area_ids: list[int], area_since: dict[int, datetime], numbers: count) -> list[_Person]:
        rows, roles = [], []
        for area_id in area_ids:
            rows.append(self._person_row(area_id, area_since[area_id], next(numbers)))
            roles.append(_pick(self.rng, ROLES))
        ids = _insert_returning_ids(User, rows)
        _insert(UserRole, [{"user_id": person_id, "role": role} for person_id, role in zip(ids, roles, strict=False)])
        self.trainer_ids += [person_id for person_id, role in zip(ids, roles, strict=False) if role == Role.TRAINER]
        self.counts["people"] += len(ids)
        return [
            _Person(person_id, role, row["locale"], row["created_at"])
            for person_id, role, row in zip(ids, roles, rows, strict=False)
        ]

    def _add_activity(self, people: list[_Person]) -> None:
        """The people's enrolments and progress, and their registrations for sessions and meetings."""
        written: defaultdict[type, list[dict]] = defaultdict(list)
        meeting_rows = []
        for person in people:
            for shape in self.courses:
                if person.role in shape.course.audience and self.rng.random() < shape.enrolment_rate:
                    self._enrol(person, shape, written)
            meeting_rows += self._meeting_registrations(person)
        for model, name in (
            (Enrolment, "enrolments"),
            (LessonCompletion, "lesson completions"),
            (CheckAttempt, "check attempts"),
            (CourseCompletion, "course completions"),
            (Registration, "session registrations"),
        ):
            _insert(model, written[model])
            self.counts[name] += len(written[model])
        self._add_meeting_registrations(meeting_rows)

    def _person_row(self, area_id: int, area_since: datetime, number: int) -> dict:
        rng = self.rng
        locale = _pick(rng, LOCALES)
        swedish = locale == "sv" or rng.random() < 0.02
        first = rng.choice(SWEDISH_FIRST_NAMES if swedish else FINNISH_FIRST_NAMES)
        last = rng.choice(SWEDISH_LAST_NAMES if swedish else FINNISH_LAST_NAMES)
        created = _between(rng, max(self.now - PEOPLE_SINCE, area_since), self.now)
        return {
            "email": f"{_ascii(first)}.{_ascii(last)}.{number}@{EMAIL_DOMAIN}",
            "name": f"{first} {last}",
            "password_hash": None,
            "locale": locale,
            "sector": _pick(rng, SECTORS),
            "area_id": area_id,
            "active": True,
            "created_at": created,
            "last_sign_in_at": _between(rng, created, self.now) if rng.random() < 0.9 else None,
        }

    # --- course progress -------------------------------------------------------------------------

    def _enrol(self, person: _Person, shape: _Course, written: dict) -> None:
        """An enrolment with a first round, and for some whose completion is due for renewal a
        second round; the earlier round's completion stays."""
        course = shape.course
        enrolled = _between(self.rng, max(person.created_at, self.now - PROGRESS_SINCE), self.now)
        round_number, started = 1, enrolled
        completion = self._round(person, shape, round_number, started, written)
        if (
            completion
            and completion["expires_at"]
            and completion["expires_at"] - RENEWAL_NOTICE <= self.now
            and self.rng.random() < RENEWING_SHARE
        ):
            round_number = 2
            started = _between(
                self.rng, max(completion["completed_at"], completion["expires_at"] - RENEWAL_NOTICE), self.now
            )
            self._round(person, shape, round_number, started, written)
        written[Enrolment].append(
            {
                "user_id": person.id,
                "course_id": course.id,
                "round": round_number,
                "enrolled_at": enrolled,
                "round_started_at": started,
            }
        )

    def _round(self, person: _Person, shape: _Course, number: int, started: datetime, written: dict) -> dict | None:
        """One round's lessons and check attempts, in order from `started`; return its completion
        row if every step is done (and a required live session attended), else None."""
        outcome = _pick(self.rng, OUTCOMES)
        if outcome == "not_started" or (outcome == "part_way" and len(shape.steps) < 2):
            return None
        done = outcome == "done"
        steps = shape.steps if done else shape.steps[: self.rng.randrange(1, len(shape.steps))]
        events = self._events(steps, stuck_at=None if done else shape.steps[len(steps)])
        finished = min(self.now, started + timedelta(days=self.rng.uniform(0.02, 60)))
        times = sorted(_between(self.rng, started, finished) for _ in events)
        for (step, passing), moment in zip(events, times, strict=False):
            if isinstance(step, Lesson):
                written[LessonCompletion].append(self._lesson_completion(person, step, number, moment))
            else:
                written[CheckAttempt].append(self._attempt(person, step, number, moment, passing))
        attended_until = self._live_sessions(person, shape, started, done, written)
        if not done or (shape.course.requires_live_session and attended_until is None):
            return None
        completed = max(times[-1], attended_until or times[-1])
        completion = {
            "user_id": person.id,
            "course_id": shape.course.id,
            "round": number,
            "completed_at": completed,
            "content_hash": shape.course.content_hash,
            "expires_at": add_months(completed, shape.course.renewal_months) if shape.course.renewal_months else None,
        }
        written[CourseCompletion].append(completion)
        return completion

    def _events(
        self, steps: list[Lesson | _Check], stuck_at: Lesson | _Check | None
    ) -> list[tuple[Lesson | _Check, bool]]:
        """(lesson, True) per lesson and (check, passed) per attempt: failures before the pass, and
        for some who stopped part way, failed attempts at the check where they stopped."""
        events: list[tuple[Lesson | _Check, bool]] = []
        for step in steps:
            if isinstance(step, Lesson):
                events.append((step, True))
            else:
                failures = _pick(self.rng, FAILED_ATTEMPTS) if step.failing_counts else 0
                events += [(step, False)] * failures + [(step, True)]
        if isinstance(stuck_at, _Check) and stuck_at.failing_counts and self.rng.random() < 0.4:
            events += [(stuck_at, False)] * self.rng.randint(1, 2)
        return events

    def _lesson_completion(self, person: _Person, lesson: Lesson, round_number: int, moment: datetime) -> dict:
        text = lesson.text_in(person.locale)
        return {
            "user_id": person.id,
            "lesson_id": lesson.id,
            "round": round_number,
            "completed_at": moment,
            "locale": text.locale,
            "content_hash": text.content_hash,
        }

    def _attempt(self, person: _Person, shape: _Check, round_number: int, moment: datetime, passing: bool) -> dict:
        check = shape.check
        answers = self._answers(shape, passing)
        correct_count, _feedback = grade(check, answers)
        score = round(100 * correct_count / len(check.questions))
        return {
            "user_id": person.id,
            "check_id": check.id,
            "round": round_number,
            "submitted_at": moment,
            "locale": person.locale,
            "answers": answers,
            "correct_count": correct_count,
            "question_count": len(check.questions),
            "score": score,
            "passed": score >= check.pass_mark,
            "content_hash": check.content_hash,
        }

    def _answers(self, shape: _Check, passing: bool) -> dict[str, list[str]]:
        """Answers with a number of right ones that passes (or fails) the check."""
        questions = shape.check.questions
        right = set(
            self.rng.sample(
                range(len(questions)), self.rng.choice(shape.passing_counts if passing else shape.failing_counts)
            )
        )
        return {
            question["key"]: _correct_options(question) if index in right else self._wrong_options(question)
            for index, question in enumerate(questions)
        }

    def _wrong_options(self, question: dict) -> list[str]:
        keys = [option["key"] for option in question["options"]]
        correct = set(_correct_options(question))
        if question["kind"] == "single":
            return [self.rng.choice([key for key in keys if key not in correct])]
        chosen = correct ^ {self.rng.choice(keys)}  # one option too many or too few
        return sorted(chosen or set(keys) - correct)

    def _live_sessions(
        self, person: _Person, shape: _Course, started: datetime, steps_done: bool, written: dict
    ) -> datetime | None:
        """Register the person for sessions of the course as learners do; return when the session
        they attended ended, which a course requiring a live session waits for."""
        course_id, key = shape.course.id, (person.id, shape.course.id)
        if shape.course.requires_live_session and steps_done and key not in self.attended:
            session = self._book(course_id, person, started, past=True)
            if session is not None:
                written[Registration].append(self._registration(person, session, Attendance.ATTENDED))
                self.attended[key] = session.ends_at
                return session.ends_at
        if self.rng.random() < 0.25:  # some hold a seat in a coming session, some went to an earlier one
            past = self.rng.random() < 0.4
            session = self._book(course_id, person, started, past=past)
            if session is not None:
                attendance = self._past_attendance() if past else None
                written[Registration].append(self._registration(person, session, attendance))
                if attendance == Attendance.ATTENDED:
                    self.attended.setdefault(key, session.ends_at)
        return self.attended.get(key)

    # --- annual meetings -------------------------------------------------------------------------

    def _meeting_registrations(self, person: _Person) -> list[tuple[dict, int | None]]:
        """About a third of those who may register do, for each edition that starts after they
        joined; past editions record attendance."""
        registrations = []
        for session in self.meeting_sessions:
            may = session.open_to_guests or not session.audience_roles or person.role in session.audience_roles
            if may and person.created_at < session.starts_at and self.rng.random() < MEETING_SHARE:
                attendance = self._past_attendance() if session.ends_at <= self.now else None
                registrations.append((self._registration(person, session, attendance), session.consent_question_id))
        return registrations

    def _add_meeting_registrations(self, registrations: list[tuple[dict, int | None]]) -> None:
        """Insert the registrations and, where the edition asks, each person's consent to be listed."""
        ids = _insert_returning_ids(Registration, [row for row, _question in registrations])
        answers = [
            {
                "question_id": question_id,
                "registration_id": registration_id,
                "value": self.rng.random() < 0.6,
                "updated_at": row["created_at"],
            }
            for registration_id, (row, question_id) in zip(ids, registrations, strict=False)
            if question_id
        ]
        _insert(MeetingAnswer, answers)
        self.counts["annual meeting registrations"] += len(ids)


def _correct_options(question: dict) -> list[str]:
    return sorted(option["key"] for option in question["options"] if option["correct"])
