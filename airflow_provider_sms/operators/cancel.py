"""``SmsCancelBatchOperator``: cancel batches that are scheduled or not yet sent."""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.models.sms import NeutralStatus, from_sinch
from airflow_provider_sms.operators._batch_operator import (
    BatchAction,
    BatchLifecycleHook,
    Outcome,
    SmsBatchOperator,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Every message of the batch was cancelled.
CANCELLED = "cancelled"
#: Some messages had already gone out; the rest were cancelled.
PARTLY_CANCELLED = "partly_cancelled"
#: Every message had already gone out: nothing could be cancelled.
ALREADY_FINAL = "already_final"


class SmsCancelBatchOperator(SmsBatchOperator):
    """Cancel one batch, or every batch of a campaign, before its messages go out.

    Only messages not yet handed to the operators' network are cancelled. Sinch answers the cancel of a
    batch that has already gone out without an error, so the operator reads each batch's delivery report
    afterwards: a batch with messages that could not be cancelled is a warning in the log and shows as
    ``already_final`` (or ``partly_cancelled``) in the result, not a failure. Fone Dynamics has no API to
    cancel a batch: the task then fails at once, before any request, and is not retried.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": ..., "messages": n,
    "cancelled": n, "not_cancelled": {status: n}}}}``.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to cancel every batch of a campaign (templated).
    """

    capability = "cancel"
    done_verb = "cancelled"

    def plan(self, hook: BatchLifecycleHook, batch_ids: list[str]) -> list[BatchAction]:
        """Cancel each batch in turn; nothing to validate beyond the batch ids.

        :param hook: The vendor hook.
        :param batch_ids: The batches to cancel.
        """
        return [BatchAction(batch_id, partial(_cancel, hook, batch_id)) for batch_id in batch_ids]

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


def _cancel(hook: BatchLifecycleHook, batch_id: str) -> Outcome:
    """Cancel one batch and say, from its delivery report, how many messages were cancelled."""
    hook.cancel_batch(batch_id)
    report = hook.get_delivery_report(batch_id, type="summary")
    cancelled = 0
    not_cancelled: Counter[str] = Counter()
    for entry in report.statuses:
        if from_sinch(entry.status, entry.code).status is NeutralStatus.CANCELLED:
            cancelled += entry.count
        else:
            not_cancelled[entry.status] += entry.count
    messages = report.total_message_count or cancelled + sum(not_cancelled.values())
    if not not_cancelled:
        outcome = CANCELLED
    elif cancelled:
        outcome = PARTLY_CANCELLED
    else:
        outcome = ALREADY_FINAL
    return {
        "outcome": outcome,
        "messages": messages,
        "cancelled": cancelled,
        "not_cancelled": dict(sorted(not_cancelled.items())),
    }
