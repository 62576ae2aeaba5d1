"""When a paged listing has no further page."""

from __future__ import annotations


def is_last_page(*, page: int, page_size: int, returned: int, total: int | None) -> bool:
    """Return whether page ``page`` (counted from 0) is the last one.

    :param page: The page just read.
    :param page_size: The page size that was asked for.
    :param returned: How many items the page held.
    :param total: The total the server reported, if it reported one.
    """
    if returned == 0 or returned < page_size:
        return True
    return total is not None and (page + 1) * page_size >= total
