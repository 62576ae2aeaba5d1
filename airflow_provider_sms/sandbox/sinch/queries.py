"""Query parameters of the list and report endpoints: paging, date windows, status and code filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from airflow_provider_sms.sandbox.sinch.errors import constraint_violation, invalid_format
from airflow_provider_sms.sandbox.sinch.fields import check_datetime
from airflow_provider_sms.sandbox.sinch.state import FINAL_STATUSES

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
DEFAULT_WINDOW = timedelta(hours=24)
KNOWN_STATUSES = FINAL_STATUSES | {"Queued", "Dispatched"}
T = TypeVar("T")


def query_int(query: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    """Return an integer query parameter within bounds, else raise a Sinch 400.

    :param query: The request's query parameters.
    :param name: Parameter name.
    :param default: Value when absent.
    :param minimum: Smallest allowed value.
    :param maximum: Largest allowed value.
    """
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_format(name, raw, "must be an integer") from None
    if not minimum <= value <= maximum:
        raise constraint_violation(name, f"must be between {minimum} and {maximum}, is {value}")
    return value


def query_bool(query: Mapping[str, str], name: str) -> bool:
    """Return a boolean query parameter (``true``/``false``, default false), else raise a Sinch 400.

    :param query: The request's query parameters.
    :param name: Parameter name.
    """
    raw = query.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise invalid_format(name, raw, "must be true or false")
    return raw == "true"


def query_statuses(query: Mapping[str, str]) -> set[str]:
    """Return the ``status`` filter (comma list of Sinch statuses, any case), empty when absent.

    :param query: The request's query parameters.
    """
    by_lower = {status.lower(): status for status in KNOWN_STATUSES}
    wanted = set()
    for item in _csv(query.get("status")):
        if item.lower() not in by_lower:
            raise invalid_format(
                "status", item, "must be a comma list of " + ", ".join(sorted(KNOWN_STATUSES))
            )
        wanted.add(by_lower[item.lower()])
    return wanted


def query_codes(query: Mapping[str, str]) -> set[int]:
    """Return the ``code`` filter (comma list of integers), empty when absent.

    :param query: The request's query parameters.
    """
    codes = set()
    for item in _csv(query.get("code")):
        try:
            codes.add(int(item))
        except ValueError:
            raise invalid_format("code", item, "must be a comma list of integers") from None
    return codes


def _csv(raw: str | None) -> list[str]:
    return [item.strip() for item in (raw or "").split(",") if item.strip()]


def query_csv(query: Mapping[str, str], name: str) -> list[str]:
    """Return a comma-separated query parameter as a list (empty when absent).

    :param query: The request's query parameters.
    :param name: Parameter name.
    """
    return _csv(query.get(name))


@dataclass(frozen=True)
class Window:
    """A ``start_date`` (inclusive) .. ``end_date`` (exclusive) filter.

    :param start: Earliest time included.
    :param end: First time excluded, if any.
    """

    start: datetime
    end: datetime | None

    def contains(self, moment: datetime) -> bool:
        """Return whether ``moment`` is in the window.

        :param moment: The time to test.
        """
        return moment >= self.start and (self.end is None or moment < self.end)


def query_window(query: Mapping[str, str], now: datetime) -> Window:
    """Return the ``start_date`` / ``end_date`` window; ``start_date`` defaults to 24 hours ago.

    :param query: The request's query parameters.
    :param now: Sandbox time.
    """
    start = (
        check_datetime("start_date", query["start_date"]) if query.get("start_date") else now - DEFAULT_WINDOW
    )
    end = check_datetime("end_date", query["end_date"]) if query.get("end_date") else None
    return Window(start, end)


@dataclass(frozen=True)
class Page:
    """A zero-based page of ``size`` entries.

    :param number: Page number, from 0.
    :param size: Entries per page.
    """

    number: int
    size: int

    def envelope(self, items: Sequence[T], key: str, render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
        """Return Sinch's list envelope: ``page``, ``page_size`` (entries returned), ``count`` and items.

        :param items: Every matching item, in order.
        :param key: Name of the list in the response (``batches``, ``delivery_reports``).
        :param render: Turns one item into its JSON.
        """
        chosen = items[self.number * self.size : (self.number + 1) * self.size]
        return {
            "page": self.number,
            "page_size": len(chosen),
            "count": len(items),
            key: [render(i) for i in chosen],
        }


def query_page(query: Mapping[str, str]) -> Page:
    """Return the ``page`` (from 0) and ``page_size`` (1 to 100, default 30) parameters.

    :param query: The request's query parameters.
    """
    return Page(
        number=query_int(query, "page", 0, 0, 10**9),
        size=query_int(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    )
