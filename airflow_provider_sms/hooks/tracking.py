"""What the neutral tracking operations return, and the forms a ``batch_id`` argument may take.

Both vendors speak the one status vocabulary of :mod:`airflow_provider_sms.models.sms`: every count and every
recipient carries a ``MessageState``. Sensors, the trigger, the batch operators and the example DAGs read
these types; the vendor hooks (``hooks/sinch.py``, ``hooks/fonedynamics.py``) build them. The dry run's
previews, the planned changes of the batch operators, the vendor features and ``SmsTrackingHook`` (the
base of ``SmsHook``: tracking and batch changes) live here too: no send runs their code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow.sdk import BaseHook

from airflow_provider_sms.exceptions import Problem, SmsCapabilityError, SmsValidationError
from airflow_provider_sms.models.sms import MessageState, NeutralStatus, mask_msisdn

if TYPE_CHECKING:
    from airflow_provider_sms.models.inbound import InboundSms

#: What a vendor may or may not be able to do: operations, and ``expire_at`` on a message.
Feature = Literal[
    "send", "dry_run", "replace", "update", "cancel", "feedback", "delivery_reports", "expire_at"
]
#: How each feature reads in "<vendor> has no API to <words>".
FEATURE_WORDS: dict[str, str] = {
    "send": "send messages",
    "dry_run": "preview a send without sending",
    "replace": "replace a batch",
    "update": "update a batch",
    "cancel": "cancel a batch",
    "feedback": "report delivery feedback",
    "delivery_reports": "fetch delivery reports",
    "expire_at": "set expire_at (when to stop trying to deliver) on a message",
}

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

    def states(self) -> dict[MessageState, int]:
        """Return messages per state; the unreported ones are :data:`NOT_YET_REPORTED`."""
        counted: dict[MessageState, int] = {}
        for item in self.counts:
            counted[item.state] = counted.get(item.state, 0) + item.count
        unreported = self.total - sum(c.count for c in self.counts)
        if unreported > 0:
            counted[NOT_YET_REPORTED] = counted.get(NOT_YET_REPORTED, 0) + unreported
        return counted

    def by_status(self) -> dict[str, int]:
        """Return messages per neutral status; unreported messages are ``pending``."""
        counter: dict[str, int] = {}
        for state, count in self.states().items():
            counter[state.status.value] = counter.get(state.status.value, 0) + count
        return counter

    def by_vendor_status(self) -> dict[str, int]:
        """Return messages per vendor status, as the vendor spells it."""
        counter: dict[str, int] = {}
        for state, count in self.states().items():
            counter[state.vendor_status] = counter.get(state.vendor_status, 0) + count
        return counter

    @classmethod
    def of_states(cls, batch_id: str, total: int, states: Iterable[MessageState]) -> BatchStatus:
        """Count individual message states.

        :param batch_id: The batch.
        :param total: How many messages the batch has.
        :param states: One state per reported message.
        """
        counter: dict[MessageState, int] = {}
        for state in states:
            counter[state] = counter.get(state, 0) + 1
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


@dataclass(frozen=True)
class KeyedBatch:
    """A batch found by its idempotency key.

    :param key: The key it was sent with (Sinch ``client_reference``; Fone Dynamics ``ExternalId`` without
        ``.<position>``).
    :param batch_id: Its batch id.
    :param recipients: The numbers it went to.
    """

    key: str
    batch_id: str
    recipients: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"KeyedBatch(key={self.key!r}, batch_id={self.batch_id!r}, recipients=<{len(self.recipients)}>)"
        )


def only_recipients(
    batch_id: str, states: Iterable[RecipientState], recipients: Collection[str] | None
) -> list[RecipientState]:
    """Keep the states of ``recipients`` (all when ``None``); a recipient not reported yet is pending.

    :param batch_id: The batch a recipient not reported yet is attributed to.
    :param states: Every reported recipient's state.
    :param recipients: The recipients wanted, or ``None`` for all.
    """
    if recipients is None:
        return list(states)
    wanted = dict.fromkeys(recipients)
    found = {s.recipient: s for s in states if s.recipient in wanted}
    return [found.get(number) or RecipientState(batch_id, number, NOT_YET_REPORTED) for number in wanted]


def best_states(states: Iterable[RecipientState]) -> dict[str, RecipientState]:
    """Return one state per recipient, a final one over one still open (a number may be in several batches).

    :param states: States from any number of batches.
    """
    best: dict[str, RecipientState] = {}
    for state in states:
        current = best.get(state.recipient)
        if current is None or (state.state.final and not current.state.final):
            best[state.recipient] = state
    return best


#: Why a ``batch_id`` string that starts like a list or a dict is refused.
_RENDERED_TEXT_RULE = (
    "looks like a list or send result rendered to text: pass the XComArg itself "
    "(e.g. batch_id=send.output) or set render_template_as_native_obj=True on the DAG"
)


def batch_id_list(value: object, field: str = "batch_id") -> list[str]:
    """Return the batch ids in ``value``, each once, in order.

    ``value`` is one id, a list of ids, what ``SmsSendOperator`` returns (a mapping with ``batch_ids``), or
    a list of those (what a mapped send task returns). A Jinja template such as
    ``{{ ti.xcom_pull('send') }}`` renders a list to its text form unless the DAG sets
    ``render_template_as_native_obj=True``; that text is no batch id and is refused with a hint.

    :param value: The ``batch_id`` argument.
    :param field: Argument name used in the error.
    :raises SmsValidationError: ``value`` holds no id, or something that is not an id.
    """
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        raise SmsValidationError([Problem(field, repr(value[:40]), _RENDERED_TEXT_RULE)], subject=field)
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and any(isinstance(v, Mapping) for v in value)
    ):
        ids = [
            batch_id
            for position, item in enumerate(value)
            for batch_id in batch_id_list(item, f"{field}[{position}]")
        ]
        return list(dict.fromkeys(ids))
    if isinstance(value, Mapping):
        value = value.get("batch_ids")
    items: list[object]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise SmsValidationError(
            [
                Problem(
                    field, f"<{type(value).__name__}>", "must be a batch id, a list of them, or a send result"
                )
            ],
            subject=field,
        )
    problems = [
        Problem(
            f"{field}[{i}]",
            repr(item) if isinstance(item, str) else f"<{type(item).__name__}>",
            "must be a non-empty string",
        )
        for i, item in enumerate(items)
        if not isinstance(item, str) or not item.strip()
    ]
    if not items:
        problems.append(Problem(field, "[]", "must name at least one batch"))
    if problems:
        raise SmsValidationError(problems, subject=field)
    return list(dict.fromkeys(str(i).strip() for i in items))


# -- previews of a send, and changes to batches already sent ------------------------------------------


@dataclass(frozen=True)
class MessagePreview:
    """How one message of a chunk would go out.

    :param index: Index of the recipient in the chunk.
    :param parts: SMS parts.
    :param encoding: ``GSM`` or ``UNICODE``.
    """

    index: int
    parts: int
    encoding: str


@dataclass(frozen=True)
class ChunkPreview:
    """A chunk's dry run.

    :param recipients: Recipients that would get a message.
    :param parts: SMS parts in all.
    :param messages: Per message, as far as the vendor reports them.
    """

    recipients: int
    parts: int
    messages: tuple[MessagePreview, ...]


@dataclass(frozen=True)
class PlannedChange:
    """One change to one batch, validated and ready to make with ``SmsHook.apply_change``.

    :param batch_id: The batch.
    :param action: ``replace``, ``update``, ``cancel`` or ``feedback``.
    :param request: The vendor's request for it (opaque outside the vendor hook).
    """

    batch_id: str
    action: str
    request: object = None


class SmsTrackingHook(BaseHook, ABC):
    """The base of :class:`~airflow_provider_sms.hooks.sms.SmsHook`: what a hook does besides sending.

    Tracking batches and recipients, finding batches and inbound messages, and the batch operators'
    changes; each change refuses unless the vendor hook overrides it. No send runs this code, so it lives
    apart from the send path's ``SmsHook``, which adds sending and the connection.
    """

    #: Vendor name in messages, e.g. ``Sinch``.
    vendor: ClassVar[str]

    @property
    @abstractmethod
    def secret(self) -> str:
        """The connection's credential: never logged; it keys the recipient digests of a deferred sensor."""

    def check_batch_id(self, batch_id: str) -> None:
        """Fail, before any request, if ``batch_id`` cannot name a batch of this vendor.

        :param batch_id: The id to check.
        :raises SmsValidationError: naming the id and the form it must have.
        """
        return  # every id may name a batch unless the vendor hook says otherwise

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

    @abstractmethod
    def find_batches(self, key_prefix: str, since: datetime) -> list[KeyedBatch]:
        """Return the batches whose key starts with ``key_prefix``, created since ``since``.

        Vendors list about 14 days back; an older ``since`` is moved up to what can be listed.

        :param key_prefix: The start of the keys (a ``client_reference`` prefix given to the send).
        :param since: Nothing wanted was created before this time.
        """

    @abstractmethod
    def inbound_messages(self, to: str, since: datetime, until: datetime | None = None) -> list[InboundSms]:
        """Return the messages handsets sent to one of our numbers in ``[since, until)``, oldest first.

        :param to: Our number (E.164) or short code.
        :param since: Received at or after this aware time.
        :param until: Received before this time; no end when ``None``.
        """

    def failed_recipients(
        self, batch_ids: Iterable[str], statuses: Collection[str] = ("failed", "expired")
    ) -> list[str]:
        """Return, sorted, the numbers whose message in the batches ended in one of ``statuses``.

        A number in several batches counts by its final state, if it has one.

        :param batch_ids: The batches.
        :param statuses: Final neutral statuses to collect.
        """
        states = best_states(s for batch_id in batch_ids for s in self.recipient_states(batch_id))
        return sorted(
            number
            for number, item in states.items()
            if item.state.final and item.state.status.value in statuses
        )

    def plan_replace(self, batch_ids: list[str], fields: Mapping[str, Any]) -> list[PlannedChange]:
        """Read the batches and validate each one's replacement; change nothing.

        :param batch_ids: The batches.
        :param fields: The given replacement fields (``body``, ``to``, ``from_`` ...).
        """
        raise SmsCapabilityError(self.vendor, FEATURE_WORDS["replace"])

    def plan_update(self, batch_ids: list[str], fields: Mapping[str, Any]) -> list[PlannedChange]:
        """Validate the update of the batches; change nothing.

        :param batch_ids: The batches.
        :param fields: The given fields to change (``to_add``, ``body`` ...).
        """
        raise SmsCapabilityError(self.vendor, FEATURE_WORDS["update"])

    def plan_cancel(self, batch_ids: list[str]) -> list[PlannedChange]:
        """Plan the cancelling of the batches; change nothing.

        :param batch_ids: The batches.
        """
        raise SmsCapabilityError(self.vendor, FEATURE_WORDS["cancel"])

    def plan_feedback(self, batch_ids: list[str], recipients: object) -> list[PlannedChange]:
        """Check the numbers, read the batches and assign each number to its batch; change nothing.

        :param batch_ids: The batches.
        :param recipients: Numbers that confirmed delivery; empty for every recipient.
        """
        raise SmsCapabilityError(self.vendor, FEATURE_WORDS["feedback"])

    def apply_change(self, change: PlannedChange) -> dict[str, Any]:
        """Make a planned change and return its outcome as small JSON (never recipient numbers).

        :param change: From one of the ``plan_*`` methods.
        """
        raise SmsCapabilityError(self.vendor, FEATURE_WORDS.get(change.action, change.action))
