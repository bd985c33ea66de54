"""The Finnish order of names, in Python and in SQL on the database under test."""

from sqlalchemy import select

from kaiku_training.accounts.models import User
from kaiku_training.core.collation import finnish_key, finnish_order
from kaiku_training.extensions import db
from tests.factories import make_user

FINNISH_ORDER = [
    "aalto",
    "Ahonen",
    "Vainio",
    "Wahlroos",
    "Üllar Yli",
    "Zetterberg",
    "Åberg",
    "åkerlund",
    "Äijälä",
    "Ärmänen",
    "Öhman",
    "örn",
]


def test_finnish_key_puts_a_ring_a_umlaut_and_o_umlaut_after_z_and_ignores_case():
    assert sorted(FINNISH_ORDER, key=finnish_key) == FINNISH_ORDER
    assert finnish_key("Émile")[0] == finnish_key("emile")[0]


def test_finnish_order_sorts_the_same_in_sql(app):
    for name in reversed(FINNISH_ORDER):
        make_user(name=name, password=None)
    names = list(db.session.scalars(select(User.name).order_by(finnish_order(User.name))))
    assert names == FINNISH_ORDER
