from __future__ import annotations

import pytest

from airflow_provider_sms.clients.pagination import is_last_page


@pytest.mark.parametrize(
    ("page", "page_size", "returned", "total", "last"),
    [
        (0, 30, 30, 100, False),
        (2, 30, 30, 100, False),
        (3, 30, 10, 100, True),
        (0, 2, 2, 2, True),
        (0, 2, 2, None, False),
        (0, 2, 1, None, True),
        (0, 2, 0, 50, True),
    ],
)
def test_is_last_page(page: int, page_size: int, returned: int, total: int | None, last: bool) -> None:
    assert is_last_page(page=page, page_size=page_size, returned=returned, total=total) is last
