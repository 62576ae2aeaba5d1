"""``SmsDeliveryFeedbackOperator``: tell the vendor which recipients confirmed that a message arrived."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.sinch import SinchBatch, SinchDeliveryFeedbackRequest
from airflow_provider_sms.models.sms import mask_msisdn
from airflow_provider_sms.operators._batch_operator import (
    BatchAction,
    BatchLifecycleHook,
    Outcome,
    SmsBatchOperator,
    e164,
    number_list,
)

#: Feedback was reported for the batch.
REPORTED = "reported"
_SUBJECT = "delivery feedback"


class SmsDeliveryFeedbackOperator(SmsBatchOperator):
    """Report recipients that confirmed delivery (e.g. by clicking a link or entering a code).

    Sinch takes feedback only for batches sent with ``feedback_enabled``. With an empty ``recipients``
    list, every recipient of every batch is reported. Otherwise each number is reported to the batch that
    holds it, so a whole campaign can be given at once. The batches are read first and every number is
    checked (E.164, and a recipient of one of the batches) before any feedback is sent. Fone Dynamics has
    no API for delivery feedback: the task fails at once, before any request, and is not retried.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": "reported", "recipients": n}}}``
    (``recipients`` is ``"all"`` when every recipient was reported); a batch that holds none of the
    numbers is left out.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to cover every batch of a campaign (templated).
    :param recipients: E.164 numbers that confirmed delivery; empty for every recipient (templated).
    """

    capability = "feedback"
    done_verb = REPORTED
    template_fields: Sequence[str] = (*SmsBatchOperator.template_fields, "recipients")

    def __init__(
        self, *, sms_conn_id: str, batch_id: Any, recipients: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.recipients = recipients

    def plan(self, hook: BatchLifecycleHook, batch_ids: list[str]) -> list[BatchAction]:
        """Check the numbers, read the batches, and assign each number to the batch that holds it.

        :param hook: The vendor hook.
        :param batch_ids: The batches the numbers belong to.
        :raises SmsValidationError: a number is not E.164 or not a recipient of any batch, or a batch was
            sent without ``feedback_enabled``.
        """
        recipients = SinchDeliveryFeedbackRequest.build(recipients=number_list(self.recipients)).recipients
        batches = {batch_id: hook.get_batch(batch_id) for batch_id in batch_ids}
        _require_feedback_enabled(batches)
        if not recipients:
            return [BatchAction(batch_id, partial(_report, hook, batch_id, [])) for batch_id in batch_ids]
        assigned = _assign(recipients, batches)
        return [
            BatchAction(batch_id, partial(_report, hook, batch_id, numbers))
            for batch_id, numbers in assigned.items()
            if numbers
        ]


def _require_feedback_enabled(batches: dict[str, SinchBatch]) -> None:
    problems = [
        Problem(f"batch_id[{position}]", repr(batch_id), "the batch was sent without feedback_enabled")
        for position, (batch_id, batch) in enumerate(batches.items())
        if batch.feedback_enabled is False
    ]
    if problems:
        raise SmsValidationError(problems, subject=_SUBJECT)


def _assign(recipients: list[str], batches: dict[str, SinchBatch]) -> dict[str, list[str]]:
    """Return each batch's share of ``recipients``; every number must belong to one of the batches."""
    holder = {e164(number): batch_id for batch_id, batch in batches.items() for number in batch.to}
    assigned: dict[str, list[str]] = {batch_id: [] for batch_id in batches}
    problems = []
    for position, number in enumerate(recipients):
        batch_id = holder.get(number)
        if batch_id is None:
            rule = "is not a recipient of " + ("the batch" if len(batches) == 1 else "any of the batches")
            problems.append(Problem(f"recipients[{position}]", mask_msisdn(number), rule))
        else:
            assigned[batch_id].append(number)
    if problems:
        raise SmsValidationError(problems, subject=_SUBJECT)
    return assigned


def _report(hook: BatchLifecycleHook, batch_id: str, recipients: list[str]) -> Outcome:
    hook.send_delivery_feedback(batch_id, recipients)
    return {"outcome": REPORTED, "recipients": len(recipients) or "all"}
