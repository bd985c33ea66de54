from flask_login import UserMixin

from . import db


class User(UserMixin, db.Model):  # its table is called "user", as Kaiku's people table is
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(200), unique=True, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    language = db.Column(db.String(5))


def load_user(user_id):
    return db.session.get(User, int(user_id))
