"""The yearly national online meeting, on the live-session registration machinery."""

from flask import Flask
from markupsafe import Markup

from ..core.features import label_of, register_blueprints
from ..core.markdown import render_markdown
from ..core.signals import guest_erasing, person_erasing, personal_data_requested


def init_app(app: Flask) -> None:
    from ..events.kinds import register_kind
    from . import services
    from .calendar import register_calendar_sources
    from .kinds import ANNUAL_MEETING_KIND
    from .manage import blueprint as manage
    from .models import ItemKind, QuestionForm, QuestionKind
    from .views import blueprint as views

    register_blueprints(app, views, manage)
    app.add_template_filter(label_of(ItemKind), "item_kind_label")
    app.add_template_filter(label_of(QuestionForm), "question_form_label")
    app.add_template_filter(label_of(QuestionKind), "question_kind_label")
    app.add_template_filter(lambda text: Markup(render_markdown(text).html), "markdown")
    personal_data_requested.connect(services.personal_data)
    person_erasing.connect(services.erase_personal_data)
    guest_erasing.connect(services.erase_guest_answers)
    register_kind(ANNUAL_MEETING_KIND)
    register_calendar_sources()
