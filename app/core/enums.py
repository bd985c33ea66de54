"""String enums whose members carry a translatable label for the UI, and the CHECK constraint
that keeps a column to the values of one."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Self

from sqlalchemy import CheckConstraint, column


class LabelledEnum(StrEnum):
    """Declare members as `NAME = "stored value", _l("Label")`; `member.label` is the label."""

    label: Any  # a lazy translation, set for each member below

    # `label` has a default only for type checkers: `Kind(value)` looks a member up, it makes none.
    def __new__(cls, value: str, label: Any = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def one_of(column_name: str, values: Iterable[str]) -> CheckConstraint:
    """A CHECK that the column holds one of `values` (an enum class, or the strings), for a
    model's __table_args__. The naming convention names it ck_<table>_<column>. NULL passes:
    whether the column may be empty is its nullability's say. The values stay plain strings
    on the Python side; a migration that adds a value to the enum must replace the constraint."""
    allowed = sorted(str(value) for value in values)
    return CheckConstraint(column(column_name).in_(allowed), name=column_name, info={"allowed": allowed})
