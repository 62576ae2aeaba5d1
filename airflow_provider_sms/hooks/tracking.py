"""Vendor-neutral tracking operations of every SMS hook (used by sensors, triggers and operators).

Each vendor implements them in ``hooks/<vendor>_tracking.py``. Both speak the one status vocabulary of
:mod:`airflow_provider_sms.models.sms`: every count and every recipient carries a ``MessageState``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.models.sms import MessageState, NeutralStatus, mask_msisdn

#: The state of a recipient the vendor has not reported on yet (e.g. absent from a Sinch report).
NOT_YET_REPORTED = MessageState(NeutralStatus.PENDING, final=False, vendor_status="(not reported yet)")


@dataclass(frozen=True)
class StatusCount:
    """How many messages of a batch are in one state.

    :param state: The state, in the neutral and the vendor's vocabulary.
    :param count: How many messages are in it.
    """

    state: MessageState
    count: int


@dataclass(frozen=True)
class BatchStatus:
    """Counts of a batch's messages per state.

    :param batch_id: The batch: a Sinch batch id or a Fone Dynamics ``<key>@<unix seconds>`` id.
    :param total: How many messages the batch has; messages the vendor has not reported on yet count as
        pending.
    :param counts: Messages per reported state; their sum may be below ``total``.
    """

    batch_id: str
    total: int
    counts: tuple[StatusCount, ...]

    @property
    def final(self) -> int:
        """How many messages are in a final state."""
        return sum(c.count for c in self.counts if c.state.final)

    @property
    def complete(self) -> bool:
        """Whether the batch has messages and every one of them is final."""
        return self.total > 0 and self.final >= self.total

    def by_status(self) -> Counter[str]:
        """Return messages per neutral status; unreported messages are ``pending``."""
        counter: Counter[str] = Counter()
        for item in self.counts:
            counter[item.state.status.value] += item.count
        unreported = self.total - sum(c.count for c in self.counts)
        if unreported > 0:
            counter[NeutralStatus.PENDING.value] += unreported
        return counter

    def by_vendor_status(self) -> Counter[str]:
        """Return messages per vendor status, as the vendor spells it."""
        counter: Counter[str] = Counter()
        for item in self.counts:
            counter[item.state.vendor_status] += item.count
        unreported = self.total - sum(c.count for c in self.counts)
        if unreported > 0:
            counter[NOT_YET_REPORTED.vendor_status] += unreported
        return counter

    @classmethod
    def of_states(cls, batch_id: str, total: int, states: Iterable[MessageState]) -> BatchStatus:
        """Count individual message states.

        :param batch_id: The batch.
        :param total: How many messages the batch has.
        :param states: One state per reported message.
        """
        counter = Counter(states)
        return cls(batch_id, total, tuple(StatusCount(state, n) for state, n in counter.items()))


@dataclass(frozen=True)
class RecipientState:
    """One recipient's message in a batch.

    :param batch_id: The batch.
    :param recipient: The recipient's E.164 number (mask it with ``mask_msisdn`` before logging).
    :param state: Its state.
    """

    batch_id: str
    recipient: str
    state: MessageState

    def __repr__(self) -> str:
        masked = mask_msisdn(self.recipient)
        return f"RecipientState(batch_id={self.batch_id!r}, recipient={masked!r}, state={self.state!r})"


class TrackingOperations:
    """Neutral operations to read the state of a batch and of its recipients."""

    if TYPE_CHECKING:

        def get_conn(self) -> Any:
            """Return the vendor client (provided by ``SmsHook``)."""

    def check_batch_id(self, batch_id: str) -> None:
        """Fail, before any request, if ``batch_id`` cannot name a batch of this vendor.

        :param batch_id: The id to check.
        :raises SmsValidationError: naming the id and the form it must have.
        """

    @abstractmethod
    def batch_status(self, batch_id: str) -> BatchStatus:
        """Return how many of a batch's messages are in each state.

        :param batch_id: A Sinch batch id, or a Fone Dynamics ``<key>@<unix seconds>`` batch id.
        """

    @abstractmethod
    def recipient_states(
        self, batch_id: str, recipients: Collection[str] | None = None
    ) -> list[RecipientState]:
        """Return the state of each recipient's message in a batch.

        :param batch_id: A Sinch batch id, or a Fone Dynamics ``<key>@<unix seconds>`` batch id.
        :param recipients: Only these E.164 numbers (each one returned, ``pending`` when not reported
            yet); every reported recipient when ``None``.
        """


def only_recipients(
    batch_id: str, states: Iterable[RecipientState], recipients: Collection[str] | None
) -> list[RecipientState]:
    """Keep the states of ``recipients`` (all when ``None``); a recipient not reported yet is pending.

    :param batch_id: The batch.
    :param states: Every reported recipient's state.
    :param recipients: The recipients wanted, or ``None`` for all.
    """
    if recipients is None:
        return list(states)
    wanted = dict.fromkeys(recipients)
    found = {s.recipient: s for s in states if s.recipient in wanted}
    return [found.get(number) or RecipientState(batch_id, number, NOT_YET_REPORTED) for number in wanted]
