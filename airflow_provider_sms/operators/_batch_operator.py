"""What the batch lifecycle operators (replace, update, cancel, feedback) share.

Each operator checks, before any request, that the connection's vendor can do what it asks, reads its
``batch_id`` argument (one id, a list, or what ``SmsSendOperator`` returned) and validates every field.
Only then does it act, batch after batch, and it returns a small JSON summary: the batch ids and what
happened to each. Input that can never succeed fails the task without a retry.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from airflow.sdk import BaseOperator

from airflow_provider_sms.exceptions import (
    Problem,
    SmsCapabilityError,
    SmsError,
    SmsForbiddenError,
    SmsValidationError,
)
from airflow_provider_sms.hooks.base import Capability, SmsHook
from airflow_provider_sms.hooks.batch_ids import batch_id_list
from airflow_provider_sms.task_failures import failing_without_retry
from airflow_provider_sms.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sms.models.sinch import (
        SinchBatch,
        SinchBatchDeliveryReport,
        SinchTextBatchRequest,
        SinchUpdateBatchRequest,
    )

#: Sinch's error code for a change to a batch that has already gone out (or was cancelled).
ALREADY_DISPATCHED = "batch_already_dispatched"
#: Outcome details of one batch: small JSON values only (never recipient numbers).
Outcome = dict[str, Any]


@runtime_checkable
class BatchLifecycleHook(Protocol):
    """A hook whose vendor can change batches after sending them (today: ``SinchHook``).

    The operators call these methods by the vendor hook's own names, after ``require()`` has confirmed
    the capability.
    """

    @property
    def default_from(self) -> str | None:
        """The connection's default sender."""
        ...

    def get_batch(self, batch_id: str) -> SinchBatch:
        """Return one batch."""
        ...

    def replace_batch(self, batch_id: str, request: SinchTextBatchRequest) -> SinchBatch:
        """Replace a batch as a whole."""
        ...

    def update_batch(self, batch_id: str, request: SinchUpdateBatchRequest) -> SinchBatch:
        """Change some fields of a batch."""
        ...

    def cancel_batch(self, batch_id: str) -> SinchBatch:
        """Cancel a batch."""
        ...

    def send_delivery_feedback(self, batch_id: str, recipients: Sequence[str]) -> None:
        """Report recipients that confirmed delivery."""
        ...

    def get_delivery_report(
        self, batch_id: str, *, type: Literal["summary", "full"] = "summary"
    ) -> SinchBatchDeliveryReport:
        """Return a batch's delivery report."""
        ...


@dataclass(frozen=True)
class BatchAction:
    """One change to make to one batch, planned after every argument was validated.

    :param batch_id: The batch.
    :param run: Makes the change and returns the batch's outcome.
    """

    batch_id: str
    run: Callable[[], Outcome]


def at_most_one_batch(field: str, shown: str, batch_ids: Sequence[str], why: str) -> None:
    """Raise unless ``batch_ids`` names one batch: ``field`` makes sense for a single batch only.

    :param field: The argument that needs a single batch.
    :param shown: How to show its value (never a phone number unmasked).
    :param batch_ids: The batches the task acts on.
    :param why: What would go wrong with several batches.
    """
    if len(batch_ids) > 1:
        rule = f"applies to one batch only, but {len(batch_ids)} batches were given: {why}"
        raise SmsValidationError([Problem(field, shown, rule)], subject="batch arguments")


def number_list(numbers: object) -> object:
    """Return phone numbers as a list: one number alone becomes a list of one, a tuple a list.

    With ``render_template_as_native_obj=True`` a rendered ``+61400000001`` arrives as the int
    61400000001; such ints get their ``+`` back. Anything else is returned as it is, for the request
    model to reject with a named error.

    :param numbers: The argument's value.
    """
    if isinstance(numbers, (str, int)) and not isinstance(numbers, bool):
        return [_restored_plus(numbers)]
    if isinstance(numbers, (list, tuple)):
        return [_restored_plus(number) for number in numbers]
    return numbers


def _restored_plus(number: object) -> object:
    if isinstance(number, int) and not isinstance(number, bool):
        return f"+{number}"
    return number


def e164(number: str) -> str:
    """Return a recipient number that Sinch returned, in E.164 form (Sinch may leave out the ``+``).

    :param number: A recipient's number, with or without ``+``.
    """
    digits = str(number).strip()
    return digits if digits.startswith("+") else f"+{digits}"


def given(**fields: Any) -> dict[str, Any]:
    """Return the fields that were given (not ``None``)."""
    return {name: value for name, value in fields.items() if value is not None}


class SmsBatchOperator(BaseOperator):
    """Base of the operators that act on batches already sent or scheduled.

    Subclasses name the :attr:`capability` they need and plan their changes in :meth:`plan`.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to act on every batch of a campaign (templated).
    """

    #: What the vendor must be able to do; checked before any request.
    capability: ClassVar[Capability]
    #: Past tense of what the operator does, e.g. ``cancelled``, for messages.
    done_verb: ClassVar[str]
    template_fields: Sequence[str] = ("sms_conn_id", "batch_id")

    def __init__(self, *, sms_conn_id: str, batch_id: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sms_conn_id = sms_conn_id
        self.batch_id = batch_id

    def execute(self, context: Context) -> dict[str, Any]:
        """Check capability and arguments, plan every change, then make them batch by batch.

        :param context: The task's context.
        :return: ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": ..., ...}}}``.
        """
        with failing_without_retry():
            hook = SmsHook.for_connection(self.sms_conn_id)
            hook.require(self.capability)
            if not isinstance(hook, BatchLifecycleHook):
                missing = f"change batches ({type(hook).__name__} has no batch methods)"
                raise SmsCapabilityError(hook.vendor, missing)
            batch_ids = batch_id_list(self.batch_id)
        actions = self._planned(hook, batch_ids)
        outcomes = self._run(actions)
        return {"batch_ids": [action.batch_id for action in actions], "outcomes": outcomes}

    @abstractmethod
    def plan(self, hook: BatchLifecycleHook, batch_ids: list[str]) -> list[BatchAction]:
        """Validate everything and return the changes to make; no change may happen here.

        :param hook: The vendor hook, known to offer the batch lifecycle methods.
        :param batch_ids: The batches to act on, in order.
        :raises SmsValidationError: an argument breaks a rule.
        """

    def _planned(self, hook: BatchLifecycleHook, batch_ids: list[str]) -> list[BatchAction]:
        """Return :meth:`plan`'s actions; an error that retrying cannot mend fails the task at once."""
        try:
            with failing_without_retry():
                return self.plan(hook, batch_ids)
        except SmsError as exc:
            if exc.retryable:
                raise
            raise AirflowFailException(f"No batch was changed: {exc}") from exc

    def _run(self, actions: Sequence[BatchAction]) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        for action in actions:
            try:
                outcomes[action.batch_id] = action.run()
            except SmsError as exc:
                progress = self._progress(action.batch_id, outcomes, actions)
                self.log.error("Batch %s failed; %s", action.batch_id, progress)
                if exc.retryable:
                    raise
                raise AirflowFailException(_failure_text(action.batch_id, exc, progress)) from exc
            self.log.info("Batch %s: %s", action.batch_id, outcomes[action.batch_id]["outcome"])
        return outcomes

    def _progress(self, failed: str, outcomes: Mapping[str, Outcome], actions: Sequence[BatchAction]) -> str:
        """Say which batches were already done and which were not attempted."""
        done = ", ".join(f"{bid} ({outcome['outcome']})" for bid, outcome in outcomes.items()) or "none"
        pending = [a.batch_id for a in actions if a.batch_id != failed and a.batch_id not in outcomes]
        return f"batches already {self.done_verb}: {done}; not attempted: {', '.join(pending) or 'none'}"


def _failure_text(batch_id: str, exc: SmsError, progress: str) -> str:
    if isinstance(exc, SmsForbiddenError) and exc.code == ALREADY_DISPATCHED:
        return (
            f"{exc.vendor} batch {batch_id} was already dispatched or cancelled and can no longer be "
            f"changed ({exc}); {progress}"
        )
    return f"Batch {batch_id} failed: {exc}; {progress}"
