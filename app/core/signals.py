"""Domain events: how one feature tells the others that something has happened to it.

The transaction rule, which every service follows:
- A public service function is one transaction: it commits once, at its end (or, where its
  docstring says so, leaves the commit to its caller). A composite action (a meeting
  registration with its answers, erasing a person) is all or nothing.
- Helpers (names starting with `_`) and signal subscribers never commit.
- A service sends its event after its change is flushed and before it commits, so that what
  subscribers write (a completion, an audit entry, a report change) lands in the same
  transaction, and a refused action sends nothing.

Each feature connects its subscribers in its own `init_app`. The sender is the object the event
is about; the keyword arguments are documented beside each signal.
"""

from blinker import Namespace

_events = Namespace()

# --- learning (sender: the person) ---
lesson_completed = _events.signal("lesson-completed")  # lesson=
check_attempted = _events.signal("check-attempted")  # attempt=, passed=
check_passed = _events.signal("check-passed")  # attempt=
course_completed = _events.signal("course-completed")  # course=, completion=
completion_withdrawn = _events.signal("completion-withdrawn")  # course=, completion=, reason=
content_synced = _events.signal("content-synced")  # changed_courses=, archived_lessons=  (sender: None)
# Questions the curriculum asks about live sessions (sender: the person); each subscriber returns its answer.
live_session_attendance_asked = _events.signal(
    "live-session-attendance-asked"
)  # course= -> bool: attended one of its sessions
course_sessions_asked = _events.signal(
    "course-sessions-asked"
)  # course= -> [TrainingSession]: upcoming, open to the person

# --- live sessions and the annual meeting (sender: the registration) ---
registration_confirmed = _events.signal("registration-confirmed")
registration_waiting = _events.signal("registration-waiting")
registration_promoted = _events.signal("registration-promoted")
registration_cancelled = _events.signal("registration-cancelled")  # previous_status=
attendance_marked = _events.signal("attendance-marked")  # previous=, actor=

# --- people (sender: the person) ---
person_deactivated = _events.signal("person-deactivated")  # actor=
person_reactivated = _events.signal("person-reactivated")  # actor=
# Erasing a person: `person_erasing` while the name and email are still there (find and remove
# what identifies them), `person_erased` once they are gone (former_email=, former_name=).
person_erasing = _events.signal("person-erasing")  # actor=
person_erased = _events.signal("person-erased")  # actor=, former_email=, former_name=
# Erasing a guest (no account) by email address (sender: None): `guest_erasing` while their
# registrations still hold the address (email=), `guest_erased` once they do not (former_email=).
guest_erasing = _events.signal("guest-erasing")  # actor=, email=
guest_erased = _events.signal("guest-erased")  # actor=, former_email=
# A person's data download: each subscriber returns {section name: data}.
personal_data_requested = _events.signal("personal-data-requested")

# --- staff actions the audit log records (sender: the acting person or None) ---
# action= (a stable name such as "edition.created"), subject= (the object acted on),
# details= (plain values fit for the log). Sent by the service that did the action, in its
# transaction (exports by core.spreadsheets.record_export), so a refused action is never recorded.
staff_action_done = _events.signal("staff-action-done")
