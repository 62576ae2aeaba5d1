"""What the sandbox's Sinch XMS API answers about batches: bodies, delivery reports, lists and their filters.

:func:`batch_json`, :func:`batch_report` and :func:`recipient_report` render responses and callbacks;
the ``query_*`` functions read the paging, date-window, status and code parameters of the list and report
endpoints; :class:`FinalReports` keeps ``GET /delivery_reports`` from sorting every report once per page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from airflow_provider_sms.sandbox.sinch_batches import FINAL_STATUSES, Batch, RecipientState
from airflow_provider_sms.sandbox.sinch_requests import check_datetime, constraint_violation, invalid_format

# --- response bodies: batches, batch delivery reports (summary, full), recipient delivery reports -----------

BATCH_REPORT_TYPE = "delivery_report_sms"
RECIPIENT_REPORT_TYPE = "recipient_delivery_report_sms"


def iso(moment: datetime) -> str:
    """Format a time the way Sinch does: ``YYYY-MM-DDThh:mm:ss.SSSZ`` in UTC.

    :param moment: An aware datetime.
    """
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def batch_json(batch: Batch) -> dict[str, Any]:
    """Return a batch as Sinch serves it (send, get, list, update, replace, cancel).

    :param batch: The batch.
    """
    data = batch.content.to_json()
    data.update(
        id=batch.id,
        send_at=iso(batch.dispatch_at),
        expire_at=iso(batch.expires_at),
        created_at=iso(batch.created_at),
        modified_at=iso(batch.modified_at),
        canceled=batch.canceled,
    )
    return data


def batch_report(
    batch: Batch,
    *,
    full: bool,
    statuses: Collection[str] = (),
    codes: Collection[int] = (),
) -> dict[str, Any]:
    """Return a ``delivery_report_sms``: a count per (status, code), with recipients when ``full``.

    :param batch: The batch.
    :param full: Whether to list the recipients of each status.
    :param statuses: Only these statuses (all when empty).
    :param codes: Only these codes (all when empty).
    """
    groups: dict[tuple[str, int], list[str]] = {}
    for recipient in batch.recipients.values():
        if statuses and recipient.status not in statuses:
            continue
        if codes and recipient.code not in codes:
            continue
        groups.setdefault((recipient.status, recipient.code), []).append(recipient.msisdn)
    entries = []
    for (status, code), numbers in sorted(groups.items(), key=lambda item: item[0][1]):
        entry: dict[str, Any] = {"code": code, "status": status, "count": len(numbers)}
        if full:
            entry["recipients"] = numbers
        entries.append(entry)
    report: dict[str, Any] = {
        "type": BATCH_REPORT_TYPE,
        "batch_id": batch.id,
        "total_message_count": len(batch.recipients),
        "statuses": entries,
    }
    if batch.content.client_reference is not None:
        report["client_reference"] = batch.content.client_reference
    return report


def recipient_report(batch: Batch, recipient: RecipientState) -> dict[str, Any]:
    """Return a ``recipient_delivery_report_sms`` for one recipient.

    :param batch: The batch.
    :param recipient: The recipient's state.
    """
    report: dict[str, Any] = {
        "type": RECIPIENT_REPORT_TYPE,
        "batch_id": batch.id,
        "recipient": recipient.msisdn,
        "code": recipient.code,
        "status": recipient.status,
        "at": iso(recipient.at),
    }
    if recipient.dispatched_at is not None:
        report["operator_status_at"] = iso(recipient.at)
    if batch.content.client_reference is not None:
        report["client_reference"] = batch.content.client_reference
    if recipient.encoding is not None and recipient.body is not None:
        report["encoding"] = recipient.encoding
    if batch.content.max_number_of_message_parts is not None and recipient.parts:
        report["number_of_message_parts"] = recipient.parts
    return report


# --- query parameters: paging, date windows, status and code filters ----------------------------------------

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


# --- final reports newest first, sorted once per state change rather than once per page read ----------------

ReportPair = tuple[Batch, RecipientState]
FilterKey = tuple[int, str | None, frozenset[str], frozenset[int]]


class FinalReports:
    """The final recipients matching a filter, newest first, kept until the next status change.

    Paging through ``GET /delivery_reports`` asks the same question once per page; between status
    changes the answer does not move, so it is worked out once.
    """

    def __init__(self) -> None:
        self._version = 0
        self._cached: tuple[FilterKey, list[ReportPair]] | None = None

    def changed(self) -> None:
        """Note that a recipient's status changed (or batches came or went)."""
        self._version += 1
        self._cached = None

    def matching(
        self,
        batches: Iterable[Batch],
        reference: str | None,
        statuses: Collection[str],
        codes: Collection[int],
    ) -> list[ReportPair]:
        """Return final recipients of ``batches`` that match, newest first (stable for equal times).

        :param batches: Every batch, in creation order.
        :param reference: Only batches with this ``client_reference`` (all when ``None``).
        :param statuses: Only these statuses (all when empty).
        :param codes: Only these codes (all when empty).
        """
        key: FilterKey = (self._version, reference, frozenset(statuses), frozenset(codes))
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        found = [
            (batch, recipient)
            for batch in batches
            if reference is None or batch.content.client_reference == reference
            for recipient in batch.recipients.values()
            if recipient.final
            and (not statuses or recipient.status in statuses)
            and (not codes or recipient.code in codes)
        ]
        found.sort(key=lambda pair: pair[1].at, reverse=True)
        self._cached = (key, found)
        return found
