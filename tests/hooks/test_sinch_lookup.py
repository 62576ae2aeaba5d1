"""SinchHook.find_chunks: one listing on a small account, each of the send's keys on a busy one.

HTTP is stubbed with requests-mock: an account's batches, newest first, paged as ``GET /batches`` pages
them. The same look-up through the sandbox is in tests/operators/test_send_lookup_window.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests_mock

from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.hooks.sms import SentChunk
from tests.hooks.test_sinch import EU_BATCHES, batch, query_of

PREFIX = "sms-send-0123456789abcdef-c"


class Account:
    """A Sinch account's batches, newest first, served as ``GET /batches`` serves them; records each query.

    :param batches: The batches, newest first.
    :param with_count: Whether a page says how many batches match (Sinch always does).
    """

    def __init__(self, batches: list[dict[str, Any]], with_count: bool = True) -> None:
        self.batches, self.with_count = batches, with_count
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        query = query_of(request)
        self.queries.append(query)
        number, size = int(query.get("page", 0)), int(query.get("page_size", 30))
        wanted = query.get("client_reference")
        matching = [b for b in self.batches if wanted in (None, b["client_reference"])]
        listed = matching[number * size : (number + 1) * size]
        page = {"page": number, "page_size": len(listed), "batches": listed}
        return {**page, "count": len(matching)} if self.with_count else page

    @property
    def pages_listed(self) -> list[int]:
        """The pages of the whole listing (no ``client_reference``) that were read, in order."""
        return [int(q.get("page", 0)) for q in self.queries if "client_reference" not in q]

    @property
    def keys_looked_up(self) -> list[str]:
        """The keys looked up one by one, in order."""
        return [q["client_reference"].removeprefix(PREFIX) for q in self.queries if "client_reference" in q]


def account(
    http: requests_mock.Mocker,
    others: int,
    older: tuple[int, ...] = (),
    newer: tuple[int, ...] = (),
    **kw: Any,
) -> Account:
    """Serve an account where earlier tries sent the chunks ``older``, then other sends ``others`` batches,
    then earlier tries the chunks ``newer``."""

    def sent(chunks: tuple[int, ...]) -> list[dict[str, Any]]:
        return [batch(f"01SENT{n}", ["+61400000101"], key=f"{PREFIX}{n}") for n in chunks]

    other = [batch(f"01OTHER{n}", ["+61400000201"], key=f"other-c{n}") for n in range(others)]
    served = Account([*sent(older), *other, *sent(newer)][::-1], **kw)  # created in that order; newest first
    http.get(EU_BATCHES, json=served)
    return served


@pytest.fixture
def hook(sinch_token_conn: str) -> SinchHook:
    return SinchHook(sms_conn_id=sinch_token_conn)


def found_ids(found: dict[str, SentChunk]) -> dict[str, str]:
    return {key.removeprefix(PREFIX): sent.batch_id for key, sent in found.items()}


@pytest.mark.parametrize("chunks", [1, 3, None])
def test_a_small_account_is_read_in_one_listing_request(
    hook: SinchHook, http: requests_mock.Mocker, chunks: int | None
) -> None:
    served = account(http, others=40, older=(0, 2))

    found = hook.find_chunks(PREFIX, chunks=chunks)

    assert found_ids(found) == {"0": "01SENT0", "2": "01SENT2"}
    assert http.call_count == 1
    assert served.queries[0]["page_size"] == "100"
    assert "start_date" in served.queries[0]


def test_a_busy_account_looks_up_each_key_its_first_page_does_not_hold(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    # 2,500 batches of other sends between chunk 0 and chunk 2: listing them all takes 26 pages.
    served = account(http, others=2500, older=(0,), newer=(2,))

    found = hook.find_chunks(PREFIX, chunks=3)

    assert found_ids(found) == {"0": "01SENT0", "2": "01SENT2"}
    assert served.pages_listed == [0]  # read once, its batches kept
    assert served.keys_looked_up == ["0", "1"]  # chunk 2's batch is on the first page
    assert http.call_count == 1 + 2


@pytest.mark.parametrize(
    ("others", "chunks", "pages"),
    [
        (250, 3, [0, 1, 2]),  # 3 pages, 3 keys: listing costs no more than looking the keys up
        (2500, None, list(range(26))),  # the number of keys unknown: the whole listing, as before
    ],
)
def test_a_listing_of_no_more_pages_than_keys_is_walked_page_by_page(
    hook: SinchHook, http: requests_mock.Mocker, others: int, chunks: int | None, pages: list[int]
) -> None:
    served = account(http, others=others, older=(0,), newer=(1,))

    found = hook.find_chunks(PREFIX, chunks=chunks)

    assert found_ids(found) == {"0": "01SENT0", "1": "01SENT1"}
    assert (served.pages_listed, served.keys_looked_up) == (pages, [])


def test_without_a_count_the_listing_is_walked_since_its_length_is_unknown(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    served = account(http, others=250, older=(0,), with_count=False)

    found = hook.find_chunks(PREFIX, chunks=1)

    assert found_ids(found) == {"0": "01SENT0"}
    assert (served.pages_listed, served.keys_looked_up) == ([0, 1, 2], [])


def test_a_key_listed_twice_is_its_newest_batch_on_either_path(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    served = account(http, others=150, older=(0,), newer=(0,))
    served.batches[0]["id"] = "01NEWEST"

    assert found_ids(hook.find_chunks(PREFIX, chunks=2)) == {"0": "01NEWEST"}  # two pages: listed
    assert found_ids(hook.find_chunks(PREFIX, chunks=1)) == {"0": "01NEWEST"}  # keys: on the first page
    assert served.pages_listed == [0, 1, 0]
