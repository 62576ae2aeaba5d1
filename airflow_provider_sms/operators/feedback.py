"""``SmsDeliveryFeedbackOperator``: tell the vendor which recipients confirmed that a message arrived."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.hooks.tracking import PlannedChange
from airflow_provider_sms.operators._batch_operator import SmsBatchOperator


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

    feature = "feedback"
    done_verb = "reported"
    template_fields: Sequence[str] = (*SmsBatchOperator.template_fields, "recipients")

    def __init__(
        self, *, sms_conn_id: str, batch_id: Any, recipients: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.recipients = recipients

    def plan(self, hook: SmsHook, batch_ids: list[str]) -> list[PlannedChange]:
        """Check the numbers, read the batches, and assign each number to the batch that holds it.

        :param hook: The vendor hook.
        :param batch_ids: The batches the numbers belong to.
        """
        return hook.plan_feedback(batch_ids, self.recipients)
