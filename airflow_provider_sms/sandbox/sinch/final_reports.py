"""Final recipient reports newest first, sorted once per state change rather than once per page read."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from airflow_provider_sms.sandbox.sinch.state import Batch, RecipientState

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
