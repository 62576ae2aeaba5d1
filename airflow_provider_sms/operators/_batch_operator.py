"""What the batch lifecycle operators (replace, update, cancel, feedback) share.

Each operator checks, before any request, that the connection's vendor can do what it asks, reads its
``batch_id`` argument (one id, a list, or what ``SmsSendOperator`` returned), and asks the hook to plan every
change (reading the batches and validating everything). Only then does it make the changes, batch after
batch, and it returns a small JSON summary: the batch ids and what happened to each. Input that can never
succeed fails the task without a retry.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_sms.exceptions import SmsError
from airflow_provider_sms.hooks.sms import Feature, SmsHook, failing_without_retry
from airflow_provider_sms.hooks.tracking import PlannedChange, batch_id_list
from airflow_provider_sms.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Context


class SmsBatchOperator(BaseOperator):
    """Base of the operators that act on batches already sent or scheduled.

    Subclasses name the :attr:`feature` they need and plan their changes in :meth:`plan`.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to act on every batch of a campaign (templated).
    """

    #: What the vendor must be able to do; checked before any request.
    feature: ClassVar[Feature]
    #: Past tense of what the operator does, e.g. ``cancelled``, for messages.
    done_verb: ClassVar[str]
    template_fields: Sequence[str] = ("sms_conn_id", "batch_id")

    def __init__(self, *, sms_conn_id: str, batch_id: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sms_conn_id = sms_conn_id
        self.batch_id = batch_id

    def execute(self, context: Context) -> dict[str, Any]:
        """Check the feature and the arguments, plan every change, then make them batch by batch.

        :param context: The task's context.
        :return: ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": ..., ...}}}``.
        """
        with failing_without_retry():
            hook = SmsHook.for_connection(self.sms_conn_id)
            hook.require(self.feature)
            batch_ids = batch_id_list(self.batch_id)
        try:
            with failing_without_retry():
                changes = self.plan(hook, batch_ids)
        except SmsError as exc:
            if exc.retryable:
                raise
            raise AirflowFailException(f"No batch was changed: {exc}") from exc
        outcomes: dict[str, dict[str, Any]] = {}
        for change in changes:
            try:
                outcomes[change.batch_id] = hook.apply_change(change)
            except SmsError as exc:
                done = ", ".join(f"{b} ({o['outcome']})" for b, o in outcomes.items()) or "none"
                pending = [c.batch_id for c in changes if c is not change and c.batch_id not in outcomes]
                progress = (
                    f"batches already {self.done_verb}: {done}; not attempted: {', '.join(pending) or 'none'}"
                )
                self.log.error("Batch %s failed; %s", change.batch_id, progress)
                if exc.retryable:
                    raise
                raise AirflowFailException(f"Batch {change.batch_id} failed: {exc}; {progress}") from exc
            self.log.info("Batch %s: %s", change.batch_id, outcomes[change.batch_id]["outcome"])
        return {"batch_ids": [change.batch_id for change in changes], "outcomes": outcomes}

    @abstractmethod
    def plan(self, hook: SmsHook, batch_ids: list[str]) -> list[PlannedChange]:
        """Validate everything and return the changes to make; no change may happen here.

        :param hook: The vendor hook, known to have :attr:`feature`.
        :param batch_ids: The batches to act on, in order.
        :raises SmsValidationError: an argument breaks a rule.
        """
