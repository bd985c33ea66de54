"""String enums whose members carry a translatable label for the UI."""
from enum import StrEnum
from typing import Any, Self


class LabelledEnum(StrEnum):
    """Declare members as `NAME = "stored value", _l("Label")`; `member.label` is the label."""

    label: Any  # a lazy translation: str() of it is the label in the current language

    # `label` has a default only for the type checker: looking a member up, Role("admin"), never calls this.
    def __new__(cls, value: str, label: Any = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
