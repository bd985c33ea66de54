"""Page through a SELECT with Flask-SQLAlchemy's paginator (404 for pages past the end)."""
from ..extensions import db

PER_PAGE = 50


def paginate(query, page: int, per_page: int = PER_PAGE):
    return db.paginate(query, page=page, per_page=per_page, error_out=True)
