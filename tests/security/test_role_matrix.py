"""Every rule of the URL map × every role × each of its methods, against one table of what each
role must get.

Roles: an anonymous visitor, a guest who holds the links of their emails (and no account), a
coordinator, an area lead (of the coordinator's area, with no other role), a trainer (who trains
none of the sessions) and an admin. URL parameters name real objects (tests/security/world.py).
A link (a registration, feed, password-reset or invitation token) is what gives access, not a
role: everyone but the anonymous visitor uses the genuine link, the anonymous visitor the same
link signed with a key of their own (or a random token), which must be worth nothing.

POSTs are sent with CSRF protection off and an empty body: what is tested is who gets past the
access checks, so an allowed POST ends in its form's error page ("ok"), a refusal flashed on a
redirect ("redirect") or its business-rule answer (400, 410), never in a sign-in redirect, 403
or 404. Each role starts from a fresh world, GETs before POSTs.

Outcomes: "ok" (2xx), "sign-in" (a redirect to the sign-in page), "redirect" (any other
redirect), or the status code.
"""

import pytest

from kaiku_training.accounts.policy import declared_permission
from tests.gate import submissions_not_counted
from tests.security.world import ROLES, act_as, build_world

OK, SIGN_IN, REDIRECT = "ok", "sign-in", "redirect"


def _for(anonymous, guest, coordinator, area_lead, trainer, admin):
    return dict(zip(ROLES, (anonymous, guest, coordinator, area_lead, trainer, admin), strict=False))


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in(done=OK):
    return _for(SIGN_IN, SIGN_IN, done, done, done, done)


def reports(done=OK):
    """Staff see every report, an area lead their own area's; a coordinator none."""
    return _for(SIGN_IN, SIGN_IN, "403", done, done, done)


def staff_only(done=OK):
    return _for(SIGN_IN, SIGN_IN, "403", "403", done, done)


def admin_only(done=OK):
    return _for(SIGN_IN, SIGN_IN, "403", "403", "403", done)


def link(done=OK, forged="404"):
    """Whoever holds the genuine link gets in, signed in or not; a forged link gets nothing."""
    return _for(forged, done, done, done, done, done)


# rule → method → role → outcome
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "/": {"GET": everyone(OK)},
    "/account": {"GET": signed_in(), "POST": signed_in()},
    "/account/data.json": {"GET": signed_in()},
    "/account/password": {"POST": signed_in()},
    "/account/sign-out-everywhere": {"POST": everyone(SIGN_IN)},  # done, it leads to the sign-in page
    "/manage/areas": {"GET": admin_only()},
    "/manage/areas/<int:area_id>": {"GET": admin_only(), "POST": admin_only()},
    "/manage/areas/new": {"GET": admin_only(), "POST": admin_only()},
    "/manage/audit/": {"GET": admin_only()},
    "/manage/guests/erase": {"GET": admin_only(), "POST": admin_only()},
    "/manage/outbox/": {"GET": admin_only()},
    "/manage/outbox/<int:message_id>": {"GET": admin_only()},
    "/manage/outbox/<int:message_id>/retry": {"POST": admin_only(REDIRECT)},
    "/manage/people": {"GET": admin_only()},
    "/manage/people/<int:person_id>": {"GET": admin_only(), "POST": admin_only()},
    "/manage/people/<int:person_id>/active": {"POST": admin_only(REDIRECT)},
    "/manage/people/<int:person_id>/erase": {"GET": admin_only(), "POST": admin_only()},
    "/manage/people/<int:person_id>/reinvite": {"POST": admin_only(REDIRECT)},
    "/manage/people/import": {"GET": admin_only(), "POST": admin_only()},
    "/manage/people/invite": {"GET": admin_only(), "POST": admin_only()},
    "/calendar/": {"GET": signed_in(), "POST": signed_in()},
    "/calendar/courses/<key>.ics": {"GET": everyone(OK)},
    "/calendar/feed/<token>.ics": {"GET": link(OK)},
    "/calendar/meetings/<int:year>.ics": {"GET": everyone(OK)},
    "/calendar/sessions.ics": {"GET": everyone(OK)},
    # only the coordinator has a feed or a registration to turn off or cancel; the others are sent back
    "/calendar/turn-off": {
        "GET": _for(SIGN_IN, SIGN_IN, OK, REDIRECT, REDIRECT, REDIRECT),
        "POST": signed_in(REDIRECT),
    },
    "/courses/": {"GET": signed_in()},
    "/courses/<key>": {"GET": signed_in()},
    "/courses/<key>/certificate": {"GET": signed_in("404")},
    "/courses/<key>/checks/<module_key>": {"GET": signed_in(), "POST": signed_in()},
    "/courses/<key>/enrol": {"POST": signed_in(REDIRECT)},
    "/courses/<key>/files/<path:filename>": {"GET": signed_in()},
    "/courses/<key>/lessons/<lesson_key>": {"GET": signed_in()},
    "/courses/<key>/lessons/<lesson_key>/complete": {"POST": signed_in(REDIRECT)},
    "/courses/<key>/renew": {"POST": signed_in("400")},
    "/favicon.ico": {"GET": everyone(REDIRECT)},
    "/healthz": {"GET": everyone(OK)},
    "/readyz": {"GET": everyone(OK)},
    "/invitation/<token>": {"GET": link(OK, forged="410"), "POST": link(OK, forged="410")},
    "/join/<token>": {"GET": link("403")},  # the join link opens shortly before the start
    "/language": {"POST": everyone(REDIRECT)},
    "/manage/meetings/": {"GET": admin_only()},
    "/manage/meetings/<int:year>/after": {"GET": admin_only(), "POST": admin_only()},
    "/manage/meetings/<int:year>/edit": {"GET": admin_only(), "POST": admin_only()},
    "/manage/meetings/<int:year>/feedback.csv": {"GET": admin_only()},
    "/manage/meetings/<int:year>/materials/<int:material_id>/remove": {
        "GET": admin_only(),
        "POST": admin_only(REDIRECT),
    },
    "/manage/meetings/<int:year>/programme": {"GET": admin_only(), "POST": admin_only()},
    "/manage/meetings/<int:year>/programme/<int:item_id>": {"GET": admin_only(), "POST": admin_only()},
    "/manage/meetings/<int:year>/programme/<int:item_id>/delete": {"GET": admin_only(), "POST": admin_only(REDIRECT)},
    "/manage/meetings/<int:year>/questions": {"GET": admin_only(), "POST": admin_only()},
    "/manage/meetings/<int:year>/questions/<int:question_id>": {"GET": admin_only(), "POST": admin_only()},
    "/manage/meetings/<int:year>/registrations": {"GET": admin_only()},
    "/manage/meetings/<int:year>/registrations.csv": {"GET": admin_only()},
    "/manage/meetings/<int:year>/registrations/message": {"POST": admin_only()},
    "/manage/meetings/new": {"GET": admin_only(), "POST": admin_only()},
    "/manage/sessions/": {"GET": staff_only()},
    "/manage/sessions/<int:session_id>": {"GET": staff_only(), "POST": staff_only(REDIRECT)},
    "/manage/sessions/<int:session_id>/cancel": {"GET": staff_only(), "POST": staff_only(REDIRECT)},
    "/manage/sessions/<int:session_id>/edit": {"GET": staff_only(), "POST": staff_only()},
    "/manage/sessions/<int:session_id>/message": {"POST": staff_only()},
    "/manage/sessions/<int:session_id>/roster.csv": {"GET": staff_only()},
    "/manage/sessions/new": {"GET": staff_only(), "POST": staff_only()},
    "/meetings/": {"GET": everyone(OK)},
    "/meetings/<int:year>": {"GET": everyone(OK)},
    # the coordinator is registered for the meeting; nobody else signed in is
    "/meetings/<int:year>/agenda": {"POST": _for(SIGN_IN, SIGN_IN, REDIRECT, "404", "404", "404")},
    "/meetings/<int:year>/answers": {"POST": _for(SIGN_IN, SIGN_IN, OK, "404", "404", "404")},
    "/meetings/<int:year>/confirmation": {"POST": everyone(OK)},
    "/meetings/<int:year>/feedback": {"GET": signed_in("403"), "POST": signed_in("403")},
    "/meetings/<int:year>/guest": {"POST": everyone(OK)},
    # for the meeting's participants and staff
    "/meetings/<int:year>/materials/<int:material_id>": {"GET": _for(SIGN_IN, SIGN_IN, OK, "403", OK, OK)},
    "/meetings/<int:year>/participants": {"GET": _for(SIGN_IN, SIGN_IN, OK, "403", OK, OK)},
    "/meetings/<int:year>/register": {"POST": signed_in()},
    "/meetings/current": {"GET": everyone(REDIRECT)},
    "/meetings/registration/<token>": {"GET": link(OK)},
    "/meetings/registration/<token>/feedback": {"GET": link("403"), "POST": link("403")},
    "/meetings/registration/<token>/materials/<int:material_id>": {"GET": link(OK)},
    "/password/forgot": {"GET": everyone(OK), "POST": everyone(OK)},
    "/password/reset/<token>": {"GET": link(OK, forged="410"), "POST": link(OK, forged="410")},
    "/registrations/<token>": {"GET": link(OK)},
    "/registrations/<token>/cancel": {"GET": link(OK), "POST": link(REDIRECT)},
    "/registrations/<token>/offer": {"GET": link(OK), "POST": link(OK)},
    "/registrations/confirm/<token>": {"GET": link(REDIRECT, forged="410")},
    "/reports/": {"GET": reports()},
    "/reports/<report>/<table_key>.<file_format>": {"GET": reports()},
    "/reports/areas": {"GET": reports()},
    "/reports/course": {"GET": reports()},
    "/reports/matrix": {"GET": reports()},
    "/reports/national": {"GET": staff_only()},
    "/reports/people/<int:person_id>": {"GET": staff_only()},
    "/sessions/": {"GET": everyone(OK)},
    "/sessions/<int:session_id>": {"GET": everyone(OK)},
    # as /calendar/turn-off
    "/sessions/<int:session_id>/cancel-registration": {
        "GET": _for(SIGN_IN, SIGN_IN, OK, REDIRECT, REDIRECT, REDIRECT),
        "POST": signed_in(REDIRECT),
    },
    "/sessions/<int:session_id>/event.ics": {"GET": everyone(OK)},
    "/sessions/<int:session_id>/guest": {"POST": everyone(OK)},
    "/sessions/<int:session_id>/register": {"POST": signed_in(REDIRECT)},
    "/sessions/<int:session_id>/resend-confirmation": {"POST": everyone(OK)},
    "/sign-in": {
        "GET": _for(OK, OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        "POST": _for(OK, OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    },
    "/sign-out": {"POST": everyone(REDIRECT)},
    "/manage/assignments": {"GET": staff_only(), "POST": staff_only()},
    "/manage/assignments/<int:assignment_id>/remove": {"POST": staff_only(REDIRECT)},
    "/static/<path:filename>": {"GET": everyone(OK)},
    "/text-size": {"POST": everyone(REDIRECT)},
}

FIXED_VALUES = {"core.static": {"filename": "kaiku/favicon.svg"}}
QUERY = {"reports.course": "?course=test-course"}


def outcome_of(response, sign_in_path: str) -> str:
    if response.status_code < 300 or response.status_code == 304:
        return OK
    if response.status_code < 400:
        return SIGN_IN if response.location.startswith(sign_in_path) else REDIRECT
    return str(response.status_code)


def _url(rule, world, role) -> str:
    values = {**world.values, **FIXED_VALUES.get(rule.endpoint, {})}
    if "token" in rule.arguments:
        values["token"] = (world.forged if role == "anonymous" else world.links)[rule.endpoint]
    wanted = {name: values[name] for name in rule.arguments if name not in (rule.defaults or {})}
    return rule.build(wanted, append_unknown=False)[1] + QUERY.get(rule.endpoint, "")


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)


def _methods(rule) -> list[str]:
    return [method for method in ("GET", "POST") if method in rule.methods]


def observe(app, client, world, role) -> dict[tuple[str, str], str]:
    plan = [(rule, method) for method in ("GET", "POST") for rule in _rules(app) if method in _methods(rule)]
    sign_in_path = app.url_map.bind("localhost").build("accounts.sign_in")
    seen = {}
    for rule, method in plan:
        act_as(client, world.people.get(role))
        response = client.open(_url(rule, world, role), method=method)
        seen[(rule.rule, method)] = outcome_of(response, sign_in_path)
    return seen


def test_every_rule_has_one_row_and_every_row_a_rule(app):
    rules = {rule.rule: set(_methods(rule)) for rule in app.url_map.iter_rules()}
    missing = sorted(set(rules) - set(EXPECTED))
    gone = sorted(set(EXPECTED) - set(rules))
    assert not missing, f"routes without a row in EXPECTED: {missing}"
    assert not gone, f"rows in EXPECTED for routes that no longer exist: {gone}"
    wrong_methods = {
        rule: (methods, set(EXPECTED[rule])) for rule, methods in rules.items() if methods != set(EXPECTED[rule])
    }
    assert not wrong_methods, f"methods in EXPECTED differ from the routes': {wrong_methods}"
    pairs = sum(len(methods) for methods in rules.values())
    print(
        f"\nROLE MATRIX: {len(rules)} rules, {pairs} rule × method pairs × {len(ROLES)} roles "
        f"= {pairs * len(ROLES)} requests"
    )


def test_every_route_declares_the_permission_it_needs(app):
    """Each route names its permission from the policy module (app.accounts.policy: `guard` on
    its blueprint or `requires` on its view). What each permission lets a role do is checked
    against EXPECTED below, not read from the policy."""
    undeclared = sorted(endpoint for endpoint in app.view_functions if declared_permission(app, endpoint) is None)
    assert not undeclared, f"routes that declare no permission: {undeclared}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says_on_every_route(app, client, courses_dir, role):
    world = build_world(courses_dir)
    with submissions_not_counted():
        seen = observe(app, client, world, role)
    expected = {(rule, method): EXPECTED.get(rule, {}).get(method, {}).get(role) for rule, method in seen}
    wrong = {
        f"{method} {rule}": f"got {outcome}, expected {expected[rule, method]}"
        for (rule, method), outcome in seen.items()
        if expected[rule, method] != outcome
    }
    print(f"\nROLE MATRIX {role}: {len(seen)} requests")
    assert not wrong, wrong
