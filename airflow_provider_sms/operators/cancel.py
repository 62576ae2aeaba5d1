"""``SmsCancelBatchOperator``: cancel batches that are scheduled or not yet sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.hooks.tracking import PlannedChange
from airflow_provider_sms.operators._batch_operator import SmsBatchOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Every message of the batch was cancelled.
CANCELLED = "cancelled"


class SmsCancelBatchOperator(SmsBatchOperator):
    """Cancel one batch, or every batch of a campaign, before its messages go out.

    Only messages not yet handed to the operators' network are cancelled. Sinch answers the cancel of a
    batch that has already gone out without an error, so each batch's delivery report is read afterwards:
    a batch with messages that could not be cancelled is a warning in the log and shows as
    ``already_final`` (or ``partly_cancelled``) in the result, not a failure. Fone Dynamics has no API to
    cancel a batch: the task then fails at once, before any request, and is not retried.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": ..., "messages": n,
    "cancelled": n, "not_cancelled": {status: n}}}}``.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to cancel every batch of a campaign (templated).
    """

    feature = "cancel"
    done_verb = "cancelled"

    def plan(self, hook: SmsHook, batch_ids: list[str]) -> list[PlannedChange]:
        """Cancel each batch in turn.

        :param hook: The vendor hook.
        :param batch_ids: The batches to cancel.
        """
        return hook.plan_cancel(batch_ids)

    def execute(self, context: Context) -> dict[str, Any]:
        """Cancel every batch, then warn about those whose messages had already gone out.

        :param context: The task's context.
        """
        result = super().execute(context)
        for batch_id, outcome in result["outcomes"].items():
            if outcome["outcome"] != CANCELLED:
                self.log.warning(
                    "Batch %s was already sent: %d of %d messages could not be cancelled (%s)",
                    batch_id,
                    outcome["messages"] - outcome["cancelled"],
                    outcome["messages"],
                    ", ".join(f"{status}: {n}" for status, n in outcome["not_cancelled"].items()),
                )
        return result
