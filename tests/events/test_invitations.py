"""Updates raise SEQUENCE, cancellations send METHOD:CANCEL, reminders are sent once."""

from datetime import timedelta

from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.models import ReminderSent
from kaiku_training.events.registrations import register_person
from kaiku_training.events.reminders import send_due_reminders
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.calendars import parse_both
from tests.events.conftest import ics_attachment, make_session
from tests.events.test_scheduling import FORM
from tests.factories import make_user


def test_a_time_change_sends_an_update_with_a_higher_sequence(client, auth, app, trainer, smtp_server):
    session = make_session()
    register_person(session, make_user("aino@example.org", locale="en"), "en")
    deliver_due()
    first_sequence = parse_both(ics_attachment(smtp_server.messages[0])[1])[0]["sequence"]
    auth.sign_in("trainer@example.org")
    client.post(
        f"/manage/sessions/{session.id}/edit",
        data={**FORM, "day": "2027-02-10", "start_time": "12:00", "end_time": "13:00", "version": session.version},
    )
    deliver_due()
    update = smtp_server.messages[-1]
    assert update["To"] == "aino@example.org" and "Changed" in update["Subject"]
    method, data = ics_attachment(update)
    [event] = parse_both(data)
    assert method == "REQUEST" and event["sequence"] == first_sequence + 1
    assert event["start"].hour == 10  # 12:00 in Helsinki is 10:00 UTC in February


def test_a_title_change_does_not_email_anyone(client, auth, app, trainer, smtp_server):
    session = make_session()
    register_person(session, make_user("aino@example.org"), "fi")
    deliver_due()
    auth.sign_in("trainer@example.org")
    client.post(
        f"/manage/sessions/{session.id}/edit",
        data={
            **FORM,
            "title_fi": "Uusi nimi",
            "day": "2027-02-10",
            "start_time": "10:00",
            "end_time": "12:00",
            "meeting_url": session.meeting_url,
            "version": session.version,
        },
    )
    assert deliver_due().sent == 0
    db.session.refresh(session)
    assert session.sequence == 0 and session.title["fi"] == "Uusi nimi"


def test_cancelling_a_session_sends_method_cancel_and_keeps_it_in_feeds(client, auth, app, trainer, smtp_server):
    session = make_session(capacity=1, open_to_guests=True)
    register_person(session, make_user("aino@example.org"), "fi")
    register_person(session, make_user("eero@example.org"), "fi")
    deliver_due()
    smtp_server.messages.clear()
    auth.sign_in("trainer@example.org")
    client.post(f"/manage/sessions/{session.id}/cancel")
    deliver_due()
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    method, data = ics_attachment(by_recipient["aino@example.org"])
    assert method == "CANCEL" and parse_both(data)[0]["status"] == "CANCELLED"
    assert ics_attachment(by_recipient["eero@example.org"]) is None  # was waiting: told, no invitation to remove
    [event] = parse_both(client.get("/calendar/sessions.ics").data)
    assert event["status"] == "CANCELLED" and event["uid"] == session.uid


def test_reminders_are_sent_once_per_offset_and_late_registrants_get_only_the_nearest(app, smtp_server):
    now = utcnow()
    session = make_session(starts_at=now + timedelta(hours=30))
    register_person(session, make_user("early@example.org"), "fi")
    assert send_due_reminders(now) == 0
    assert send_due_reminders(now + timedelta(hours=7)) == 1  # 23 h before: the 24 h reminder
    assert send_due_reminders(now + timedelta(hours=7, minutes=5)) == 0
    register_person(session, make_user("late@example.org"), "fi")
    assert send_due_reminders(now + timedelta(hours=29, minutes=30)) == 2  # both: the 1 h reminder
    assert send_due_reminders(now + timedelta(hours=29, minutes=40)) == 0
    deliver_due()
    recipients = sorted(
        message["To"]
        for message in smtp_server.messages
        if "Muistutus" in message["Subject"] or "Reminder" in message["Subject"]
    )
    assert recipients == ["early@example.org", "early@example.org", "late@example.org"]
    assert db.session.query(ReminderSent).count() == 4


def test_reminders_command(app, runner):
    session = make_session(starts_at=utcnow() + timedelta(minutes=30))
    register_person(session, make_user("aino@example.org"), "fi")
    assert "1 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output
    assert "0 reminder(s) queued" in runner.invoke(args=["reminders", "send"]).output


def test_trainer_messages_everyone_registered(client, auth, app, trainer, smtp_server):
    session = make_session(capacity=1)
    register_person(session, make_user("aino@example.org", locale="en"), "en")
    register_person(session, make_user("eero@example.org", locale="en"), "en")
    deliver_due()
    smtp_server.messages.clear()
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post(f"/manage/sessions/{session.id}/message", data={"subject": "", "body": ""}).get_data(
        as_text=True
    )
    assert 'id="subject-error"' in page
    client.post(f"/manage/sessions/{session.id}/message", data={"subject": "Slides", "body": "Please read them."})
    deliver_due()
    assert sorted(m["To"] for m in smtp_server.messages) == ["aino@example.org", "eero@example.org"]
    assert all("Slides" in m["Subject"] and "Please read them." in m.get_content() for m in smtp_server.messages)
