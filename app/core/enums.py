"""String enums whose members carry a translatable label for the UI."""
from enum import StrEnum
from typing import Any


class LabelledEnum(StrEnum):
    """Declare members as `NAME = "stored value", _l("Label")`; `member.label` is the label."""

    label: Any

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
