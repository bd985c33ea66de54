"""Kinds of meeting questions as a registry: each kind says how its field is rendered (which
macro of _forms.html, with what arguments), how an answer is read from a form and checked, and
how an answer is shown, exported and summed up. Adding a kind is adding an entry here."""

from collections import Counter
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from ..core.i18n import in_locale
from .models import MeetingQuestion, QuestionKind

TEXT_MAX_LENGTH = 5000


def field_name(question: MeetingQuestion) -> str:
    """The form field of a question: the answer is read from it and its error tied to it."""
    return f"q-{question.key}"


class AnswerKind:
    """The behaviour every kind shares; a kind overrides what differs."""

    macro: str = "text_input"  # the _forms.html macro that renders the field
    has_options = False  # the organiser writes options, and an answer picks among them
    free_text = False  # the answer is the person's own words: erased with their personal data

    def read(self, values: Sequence[str]) -> Any:
        """The raw answer from the values a form sent under the question's field name."""
        return values[0] if values else None

    def clean(self, question: MeetingQuestion, value: Any) -> Any:
        """The answer as stored; anything not an answer of this kind becomes no answer."""
        return value.strip() if isinstance(value, str) else ""

    def problem(self, value: Any) -> str | None:
        """Why a cleaned answer cannot be stored, beyond being missing."""
        return None

    def text(self, question: MeetingQuestion, value: Any, locale: str) -> str:
        """The answer as a reader sees it (pages and exports)."""
        return value or ""

    def field(self, question: MeetingQuestion, value: Any, problem: str | None, locale: str) -> dict[str, Any]:
        """The arguments of the kind's macro."""
        return {
            "name": field_name(question),
            "label": in_locale(question.label, locale),
            "required": question.required,
            "errors": [problem] if problem else [],
            **self._field_value(question, value, locale),
        }

    def _field_value(self, question: MeetingQuestion, value: Any, locale: str) -> dict[str, Any]:
        return {"value": value or ""}

    def summary(self, question: MeetingQuestion, values: list[Any], locale: str) -> dict[str, Any]:
        """What the feedback results show of the answers given."""
        return {"texts": [value for value in values if value]}

    def may_become(self, other: "AnswerKind") -> bool:
        """Whether answers already given stay meaningful when the question becomes `other`."""
        return other is self or (self.free_text and other.free_text)


class TextAnswer(AnswerKind):
    free_text = True

    def __init__(self, macro: str):
        self.macro = macro

    def problem(self, value: Any) -> str | None:
        if len(value) > TEXT_MAX_LENGTH:
            return str(_l("Please keep the answer under 5,000 characters."))
        return None


class ConsentAnswer(AnswerKind):
    macro = "checkbox"

    def clean(self, question: MeetingQuestion, value: Any) -> bool:
        return bool(value)

    def text(self, question: MeetingQuestion, value: Any, locale: str) -> str:
        return "✓" if value else ""

    def _field_value(self, question: MeetingQuestion, value: Any, locale: str) -> dict[str, Any]:
        return {"checked": bool(value)}

    def summary(self, question: MeetingQuestion, values: list[Any], locale: str) -> dict[str, Any]:
        return {"options": [("✓", sum(1 for value in values if value is True))]}


class ChoiceAnswer(AnswerKind):
    macro = "choice_list"
    has_options = True

    def __init__(self, multiple: bool):
        self.multiple = multiple

    def read(self, values: Sequence[str]) -> Any:
        return list(values) if self.multiple else super().read(values)

    def chosen(self, value: Any) -> list[str]:
        """The option keys an answer picks, whether it picks one or many."""
        if isinstance(value, list):
            return value
        return [value] if value else []

    def clean(self, question: MeetingQuestion, value: Any) -> Any:
        keys = {option["key"] for option in question.options}
        picked = [key for key in self.chosen(value) if key in keys]
        return picked if self.multiple else next(iter(picked), None)

    def labels(self, question: MeetingQuestion, locale: str) -> dict[str, str]:
        return {option["key"]: in_locale(option["label"], locale) or option["key"] for option in question.options}

    def text(self, question: MeetingQuestion, value: Any, locale: str) -> str:
        labels = self.labels(question, locale)
        return "; ".join(labels.get(key, key if self.multiple else "") for key in self.chosen(value))

    def _field_value(self, question: MeetingQuestion, value: Any, locale: str) -> dict[str, Any]:
        return {
            "options": list(self.labels(question, locale).items()),
            "chosen": self.chosen(value),
            "multiple": self.multiple,
        }

    def summary(self, question: MeetingQuestion, values: list[Any], locale: str) -> dict[str, Any]:
        picked = Counter(key for value in values for key in self.chosen(value))
        return {"options": [(label, picked[key]) for key, label in self.labels(question, locale).items()]}


KINDS: dict[str, AnswerKind] = {
    QuestionKind.SHORT_TEXT: TextAnswer("text_input"),
    QuestionKind.LONG_TEXT: TextAnswer("textarea"),
    QuestionKind.SINGLE: ChoiceAnswer(multiple=False),
    QuestionKind.MULTIPLE: ChoiceAnswer(multiple=True),
    QuestionKind.CONSENT: ConsentAnswer(),
}

FREE_TEXT_KINDS = [kind for kind, behaviour in KINDS.items() if behaviour.free_text]


def kind_of(question: MeetingQuestion) -> AnswerKind:
    return KINDS[question.kind]


def read_answers(questions: list[MeetingQuestion], getlist: Any) -> dict[str, Any]:
    """Raw answers from a submitted form (anything with getlist, as request.form)."""
    return {question.key: kind_of(question).read(getlist(field_name(question))) for question in questions}


def fields(
    questions: list[MeetingQuestion], answers: dict[str, Any], problems: dict[str, str], locale: str
) -> list[tuple[str, dict[str, Any]]]:
    """(macro name, its arguments) for each question, in order: what the form template renders."""
    return [
        (
            kind_of(question).macro,
            kind_of(question).field(question, answers.get(question.key), problems.get(question.key), locale),
        )
        for question in questions
    ]
