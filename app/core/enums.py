"""String enums whose members carry a translatable label for the UI."""
from enum import StrEnum
from typing import Any, Self


class LabelledEnum(StrEnum):
    """Declare members as `NAME = "stored value", _l("Label")`; `member.label` is the label."""

    label: Any  # a lazy translation, set for each member below

    # `label` has a default only for type checkers: `Kind(value)` looks a member up, it makes none.
    def __new__(cls, value: str, label: Any = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
