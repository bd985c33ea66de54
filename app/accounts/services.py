"""Accounts: people, sign-in, invitations, password resets, areas and the coordinator import.

Services own the transaction: each function that changes data checks its rules, then commits
once (or says "the caller commits" when it is a step of another service). Views never commit.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.collation import finnish_key, finnish_order
from ..core.i18n import SUPPORTED_LOCALES
from ..core.signals import person_deactivated, person_reactivated, staff_action_done
from ..core.timeutil import utcnow
from ..core.tokens import hash_token, new_token
from ..core.urls import absolute_url
from ..extensions import db
from ..outbox.services import queue_email, requested_limit_reached
from . import sign_in_limits
from .models import AccountToken, Area, Role, Sector, TokenPurpose, User


class AccountError(ValueError):
    """A request the service refuses; the message is for the person who made it."""


class PersonErased(AccountError):
    """The person's personal data has been erased: nothing about them changes any more."""

    def __init__(self) -> None:
        super().__init__(_("This person's personal data has already been erased."))


def _refuse_if_erased(user: User) -> None:
    if user.erased_at is not None:
        raise PersonErased()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def load_user(session_id: str) -> User | None:
    """The active person a session or remember-me cookie names, if the cookie belongs to their
    current session version (see User.get_id); a cookie from before end_sessions() names none."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of the person stops working. The caller commits."""
    user.session_version += 1


def sign_out_everywhere(user: User) -> None:
    """Signing out ends the person's sessions on every device, the one signing out included."""
    end_sessions(user)
    db.session.commit()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(_("The password must be at least %(count)d characters long.", count=minimum))


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)


def replace_password(user: User, password: str) -> None:
    """The password of an existing account changes: every session signed in with the old one
    ends, remember-me cookies included. The caller commits."""
    set_password(user, password)
    end_sessions(user)


class TooManyAttempts(AccountError):
    """Too many failed sign-ins for this account from this address, or from this address."""


# Checked against for an unknown account, so that its answer takes as long as a known one's:
# werkzeug's default method (as generate_password_hash uses) over a random password that was
# thrown away. Made once here, not at start, where it would cost every worker a hash's time.
STAND_IN_PASSWORD_HASH = (
    "scrypt:32768:8:1$1O5pEyLLxPM6h3X9$f48bd01ff0157d008ab87123ad15c454f018f57854b438e1a111f2aed2610dbd"
    "f298d3793fce8ae14a26703a3cfa4890dea849fac5bd0cd53d205f1d7ef84d46"
)


def authenticate(email: str, password: str, address: str) -> User | None:
    """The active person with this email and password, else None: the same answer, in the
    same time, for every kind of failure, so the sign-in form does not reveal which accounts
    exist. Raises TooManyAttempts, without checking the password, when `address` is over its
    limits (sign_in_limits)."""
    email = normalize_email(email)
    if not sign_in_limits.attempt_allowed(email, address):
        raise TooManyAttempts(_("Too many attempts"))
    user = find_user_by_email(email)
    stored = user.password_hash if user is not None and user.active else None
    right = check_password_hash(stored or STAND_IN_PASSWORD_HASH, password)
    if user is None or not stored or not right:
        sign_in_limits.attempt_failed(address)
        return None
    sign_in_limits.attempt_succeeded(email, address)
    user.last_sign_in_at = utcnow()
    db.session.commit()
    return user


def update_own_details(user: User, *, name: str, locale: str | None) -> None:
    """What a person changes on My account: their name and preferred language."""
    user.name, user.locale = name.strip(), locale
    db.session.commit()


def set_preferred_locale(user: User, locale: str) -> None:
    """The language the person chose in the switch: their pages and emails follow it."""
    user.locale = locale
    db.session.commit()


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password if `current` is the person's password; False (nothing changed) if not."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        return False
    replace_password(user, new)
    db.session.commit()
    return True


def create_user(
    email: str,
    name: str,
    roles=(),
    area: Area | None = None,
    sector: str | None = None,
    locale: str | None = None,
    password: str | None = None,
) -> User:
    """Add a person. Raises AccountError when the email is invalid or already taken."""
    email = checked_email(email)
    if find_user_by_email(email):
        raise AccountError(_("A person with the email %(email)s already exists.", email=email))
    user = User(email=email, name=name.strip(), area=area, sector=sector, locale=locale)
    user.roles = roles
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    return user


def checked_email(email: str) -> str:
    try:
        return normalize_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise AccountError(_("%(email)s is not a valid email address.", email=email.strip() or "—")) from None


# --- single-use tokens -------------------------------------------------------------------


def issue_token(user: User, purpose: TokenPurpose, valid_hours: int) -> str:
    """Create a token and return it; only its hash is stored. Earlier unused tokens of the
    same purpose stop working, so only the newest link is valid."""
    now = utcnow()
    for old in db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    raw_token = new_token()
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=hash_token(raw_token),
            expires_at=now + timedelta(hours=valid_hours),
        )
    )
    return raw_token


def find_valid_token(raw_token: str, purpose: TokenPurpose) -> AccountToken | None:
    token = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == hash_token(raw_token), AccountToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active:
        return None
    return token


def use_token_to_set_password(token: AccountToken, password: str) -> User:
    """Set the password and spend the token; it cannot be used again."""
    replace_password(token.user, password)
    token.used_at = utcnow()
    db.session.commit()
    return token.user


# --- invitations and password resets -------------------------------------------------------


def send_invitation(user: User, invited_by: User | None) -> None:
    """Queue an email with a link to set a password. The caller commits."""
    db.session.flush()
    hours = current_app.config["INVITATION_VALID_HOURS"]
    raw_token = issue_token(user, TokenPurpose.INVITATION, hours)
    queue_email(
        user.email,
        user.locale or current_app.config["DEFAULT_LOCALE"],
        "invitation",
        name=user.name,
        link=absolute_url("accounts.accept_invitation", token=raw_token),
        inviter=invited_by.name if invited_by else None,
        valid_days=max(1, hours // 24),
    )


def invite(
    email: str, name: str, roles, area: Area | None, sector: str | None, locale: str | None, invited_by: User | None
) -> User:
    user = create_user(email, name, roles=roles, area=area, sector=sector, locale=locale)
    send_invitation(user, invited_by)
    staff_action_done.send(
        invited_by,
        action="person.invited",
        subject=user,
        details={"email": user.email, "name": user.name, "roles": sorted(user.roles)},
    )
    db.session.commit()
    return user


def reinvite(user: User, invited_by: User | None) -> None:
    """Send a new invitation link; an erased person gets none."""
    _refuse_if_erased(user)
    send_invitation(user, invited_by)
    staff_action_done.send(invited_by, action="person.reinvited", subject=user)
    db.session.commit()


def request_password_reset(email: str, locale: str) -> None:
    """Email a reset link if an active account has this address; otherwise do nothing, so
    that the answer never tells whether an address is registered. Nor when the address has had
    its hourly share of such emails: the link it got last keeps working."""
    user = find_user_by_email(email)
    if user is None or not user.active or requested_limit_reached(user.email):
        return
    hours = current_app.config["PASSWORD_RESET_VALID_HOURS"]
    raw_token = issue_token(user, TokenPurpose.PASSWORD_RESET, hours)
    queue_email(
        user.email,
        user.locale or locale,
        "password_reset",
        requested=True,
        name=user.name,
        link=absolute_url("accounts.reset_password", token=raw_token),
        valid_hours=hours,
    )
    db.session.commit()


# --- people and areas ---------------------------------------------------------------------


def update_person(
    user: User,
    *,
    name: str,
    roles: Iterable[str],
    area: Area | None,
    sector: str | None,
    locale: str | None,
    changed_by: User | None = None,
) -> None:
    """Change a person's details and roles. An erased person is not changed, and an admin
    cannot take away their own admin role (so that someone is always left to give it back)."""
    _refuse_if_erased(user)
    roles = list(roles)
    if changed_by is not None and changed_by.id == user.id and Role.ADMIN not in roles:
        raise AccountError(_("You cannot remove your own admin role."))
    user.name = name.strip()
    user.roles = roles
    user.area = area
    user.sector = sector
    user.locale = locale
    staff_action_done.send(
        changed_by,
        action="person.changed",
        subject=user,
        details={
            "name": user.name,
            "roles": sorted(user.roles),
            "area": area.name_fi if area else None,
            "sector": sector,
            "locale": locale,
        },
    )
    db.session.commit()


def set_active(user: User, active: bool, actor: User | None = None) -> None:
    """Deactivating keeps the person and their history; they can no longer sign in, and the
    features subscribed to person_deactivated end what the person had coming (e.g. registrations).
    Nobody deactivates themselves, and an erased person stays inactive."""
    _refuse_if_erased(user)
    if actor is not None and actor.id == user.id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)
    db.session.flush()
    (person_reactivated if active else person_deactivated).send(user, actor=actor)
    staff_action_done.send(actor, action="person.reactivated" if active else "person.deactivated", subject=user)
    db.session.commit()


def people_query(search: str = "", role: str = "", area_id: int | None = None, active: bool | None = None):
    """People in the Finnish order of their names; `search` matches any part of the name or
    email, whatever the case of any letter."""
    query = select(User).order_by(finnish_order(User.name), User.id)
    if search:
        pattern = f"%{_escape_like(search.strip().lower())}%"
        query = query.where(
            or_(func.lower(User.name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))
        )
    if role:
        query = query.where(User.role_rows.any(role=role))
    if area_id:
        query = query.where(User.area_id == area_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    return query


def _escape_like(text: str) -> str:
    """`text` matched literally by LIKE: % and _ in a search are just characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def all_areas(locale: str = "fi") -> list[Area]:
    """Every area, in the Finnish order of its name in `locale` (areas are a few hundred at most)."""
    return sorted(db.session.scalars(select(Area)), key=lambda area: finnish_key(area.name(locale)))


def areas_by_name() -> dict[str, Area]:
    """Every area under its name in each language, casefolded: matched in Python, because
    SQL's lower() does not fold every letter on every database."""
    return {
        name.casefold(): area
        for area in db.session.scalars(select(Area))
        for name in (area.name_en, area.name_sv, area.name_fi)
    }


def find_area_by_name(name: str, areas: dict[str, Area] | None = None) -> Area | None:
    """The area with this name in any language, whatever the case of any letter."""
    return (areas if areas is not None else areas_by_name()).get(name.strip().casefold())


AREA_FIELDS = ("name_fi", "name_sv", "name_en", "kind", "status", "pilot_started_on", "permanent_since", "ended_on")


def save_area(area: Area | None, values: Mapping[str, str | date | None], saved_by: User | None = None) -> Area:
    """Create an area (`area` None) or change one, with the AREA_FIELDS in `values`. No two areas
    share a name: the Finnish name may not be any other area's name in any language or case."""
    other = find_area_by_name(str(values["name_fi"]))
    if other is not None and (area is None or other.id != area.id):
        raise AccountError(_("An area with this name already exists."))
    area = area if area is not None else Area()
    for name in AREA_FIELDS:
        if name in values:
            setattr(area, name, values[name])
    db.session.add(area)
    db.session.flush()
    staff_action_done.send(saved_by, action="area.saved", subject=area, details={"name": area.name_fi})
    db.session.commit()
    return area


# --- coordinator import ---------------------------------------------------------------------

IMPORT_COLUMNS = ("email", "name", "area", "sector", "language")
SECTOR_ALIASES = {
    Sector.CULTURE: {"culture", "kulttuuri", "kultur"},
    Sector.SOCIAL_HEALTH: {
        "social_health",
        "sote",
        "social and health",
        "sosiaali- ja terveys",
        "social- och hälsovård",
    },
    Sector.WELLBEING: {"wellbeing", "hyvinvointi", "välfärd"},
}


@dataclass
class ImportReport:
    created: list[User] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line in the file, message)


def _parse_sector(value: str) -> str | None:
    value = value.strip().lower()
    for sector, aliases in SECTOR_ALIASES.items():
        if value in aliases:
            return sector
    return None


def _read_rows(text: str) -> csv.DictReader:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)


def import_coordinators(data: bytes, invited_by: User | None) -> ImportReport:
    """Create a coordinator for every row and send each an invitation, or, if any row is
    wrong, create nobody and report every wrong row with its line number."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig").replace("\0", "")  # PostgreSQL refuses NUL in any text
    except UnicodeDecodeError:
        report.errors.append((0, _("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")))
        return report
    reader = _read_rows(text)
    missing = [column for column in IMPORT_COLUMNS[:3] if column not in (reader.fieldnames or [])]
    if missing:
        report.errors.append(
            (
                1,
                _(
                    "The first line must name the columns %(columns)s; missing: %(missing)s.",
                    columns=", ".join(IMPORT_COLUMNS),
                    missing=", ".join(missing),
                ),
            )
        )
        return report
    seen: set[str] = set()
    areas = areas_by_name()
    valid_rows = []
    for row in reader:
        line = reader.line_num
        row = {key: (value or "").strip() for key, value in row.items() if key}
        row_errors, person = _check_import_row(row, seen, areas)
        report.errors.extend((line, message) for message in row_errors)
        if not row_errors:
            valid_rows.append(person)
    if not valid_rows and not report.errors:
        report.errors.append((0, _("The file has no rows to import.")))
    if report.errors:
        return report
    for person in valid_rows:
        user = create_user(roles=[Role.COORDINATOR], **person)
        send_invitation(user, invited_by)
        report.created.append(user)
    staff_action_done.send(
        invited_by, action="people.imported", details={"emails": [user.email for user in report.created]}
    )
    db.session.commit()
    return report


def _check_import_row(row: dict, seen: set[str], areas: dict[str, Area]) -> tuple[list[str], dict]:
    errors = []
    person = {"name": row.get("name", ""), "sector": None, "locale": None, "area": None}
    try:
        person["email"] = checked_email(row.get("email", ""))
    except AccountError as error:
        errors.append(str(error))
    else:
        if person["email"] in seen:
            errors.append(_("%(email)s appears twice in the file.", email=person["email"]))
        elif find_user_by_email(person["email"]):
            errors.append(_("A person with the email %(email)s already exists.", email=person["email"]))
        seen.add(person["email"])
    if not person["name"]:
        errors.append(_("The name is missing."))
    elif len(person["name"]) > User.name.type.length:
        errors.append(_("The name is longer than %(count)d characters.", count=User.name.type.length))
    if row.get("area"):
        person["area"] = find_area_by_name(row["area"], areas)
        if person["area"] is None:
            errors.append(_("Unknown area: %(area)s.", area=row["area"]))
    if row.get("sector"):
        person["sector"] = _parse_sector(row["sector"])
        if person["sector"] is None:
            errors.append(_("Unknown sector: %(sector)s.", sector=row["sector"]))
    if row.get("language"):
        person["locale"] = row["language"].lower()
        if person["locale"] not in SUPPORTED_LOCALES:
            errors.append(_("Unknown language: %(language)s (use fi, sv or en).", language=row["language"]))
    return errors, person
