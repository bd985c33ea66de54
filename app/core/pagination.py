"""Page through a SELECT, or a list already in memory, with Flask-SQLAlchemy's paginator
(404 for pages past the end)."""

from flask import abort
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db
from .urls import DATABASE_INT_MAX

PER_PAGE = 50


def _existing(page: int) -> int:
    """A page number past any list is not found, before its offset overflows the database's."""
    return page if page <= DATABASE_INT_MAX else abort(404)


def paginate(query, page: int, per_page: int = PER_PAGE):
    page = _existing(page)
    return db.paginate(query, page=page, per_page=per_page, error_out=True)


class _ListPagination(Pagination):
    def _query_items(self) -> list:
        return self._query_args["items"][self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: list, page: int, per_page: int = PER_PAGE) -> Pagination:
    return _ListPagination(
        page=_existing(page), per_page=per_page, max_per_page=None, error_out=True, count=True, items=items
    )
