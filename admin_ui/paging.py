"""Pagination of long lists: a page of rows from a select, the page number from ``?page=``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 25


@dataclass
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400, _("The page number must be a whole number from 1."))
    return int(raw)


def paginate(session: Session, query: Select[Any], *, size: int = PAGE_SIZE, scalars: bool = True) -> Page:
    """Rows of ``query`` (which must be ordered) for the page the request asks for."""
    number = page_number()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    window = query.limit(size).offset((number - 1) * size)
    rows = list(session.scalars(window)) if scalars else list(session.execute(window).all())
    return Page(items=rows, number=number, size=size, total=total)
