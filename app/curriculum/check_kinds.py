"""Kinds of knowledge-check questions: how many options an answer picks, what the form tells
the learner about choosing, and how many correct options the course file must mark."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class CheckKind:
    multiple: bool  # checkboxes, else radio buttons
    hint: LazyString
    correct_options_problem: Callable[[int], str | None]  # for the course author, in English


CHECK_KINDS: dict[str, CheckKind] = {
    "single": CheckKind(
        multiple=False,
        hint=_l("Choose one."),
        correct_options_problem=lambda right: (
            f"a single-choice question needs exactly one correct option (has {right})" if right != 1 else None
        ),
    ),
    "multiple": CheckKind(
        multiple=True,
        hint=_l("Choose all that apply."),
        correct_options_problem=lambda right: (
            "a multiple-choice question needs at least one correct option" if right < 1 else None
        ),
    ),
}
