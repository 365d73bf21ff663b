"""Reading `page` from the query string and slicing lists into pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request

T = TypeVar("T")
MAX_PAGE = 10_000


def requested_page() -> int:
    """Return the `page` parameter as a sensible page number, whatever was sent."""
    raw = request.args.get("page", "1")
    try:
        number = int(raw.strip()[:6]) if raw.strip().isdigit() else 1
    except ValueError:
        number = 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with what pagination links need."""

    items: list[T]
    number: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        """Return the previous page number, if any."""
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        """Return the next page number, if any."""
        return self.number + 1 if self.number < self.pages else None


def paginate(items: list[T], number: int, size: int) -> Page[T]:
    """Return page `number` of `items`, clamped into range."""
    pages = max(1, math.ceil(len(items) / size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Page(items[start : start + size], number, pages, len(items))
