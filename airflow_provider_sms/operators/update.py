"""``SmsUpdateBatchOperator``: change recipients, text, schedule or reports of batches not yet sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any

from airflow_provider_sms.models.sinch import SinchUpdateBatchRequest
from airflow_provider_sms.operators._batch_operator import (
    BatchAction,
    BatchLifecycleHook,
    Outcome,
    SmsBatchOperator,
    at_most_one_batch,
    given,
    number_list,
)

#: The batch was changed.
UPDATED = "updated"


class SmsUpdateBatchOperator(SmsBatchOperator):
    """Change batches that have not gone out yet: add or remove recipients, change text, schedule, reports.

    Only the arguments given are changed (Sinch ``POST /batches/{id}``). Every argument is validated
    before the first request. A batch that has already gone out cannot be changed: Sinch answers
    ``403 batch_already_dispatched`` and the task fails without a retry, naming the batches already
    updated. Fone Dynamics has no API to update a batch: the task fails at once, before any request.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": "updated", "recipients": n}}}``.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to update every batch of a campaign (templated).
    :param to_add: E.164 numbers to add; only with a single batch, since each batch would message them
        (templated).
    :param to_remove: E.164 numbers to remove; with several batches, each removes those it holds
        (templated).
    :param body: New text, at most 1600 characters (templated).
    :param from_: New sender: E.164 number, short code or alphanumeric name (templated).
    :param send_at: New send time: aware datetime, ISO-8601 string with offset, or a template such as
        ``{{ data_interval_end }}`` (templated).
    :param expire_at: New expiry, after the send time and at most 3 days later (templated).
    :param delivery_report: none, summary, full, per_recipient or per_recipient_final (templated).
    :param callback_url: Where Sinch posts delivery reports (templated).
    :param parameters: New ``${name}`` values: ``{name: {number or "default": value}}`` (templated).
    """

    capability = "update"
    done_verb = UPDATED
    template_fields: Sequence[str] = (
        *SmsBatchOperator.template_fields,
        "to_add",
        "to_remove",
        "body",
        "from_",
        "send_at",
        "expire_at",
        "delivery_report",
        "callback_url",
        "parameters",
    )

    def __init__(
        self,
        *,
        sms_conn_id: str,
        batch_id: Any,
        to_add: Sequence[str] | None = None,
        to_remove: Sequence[str] | None = None,
        body: str | None = None,
        from_: str | None = None,
        send_at: datetime | str | None = None,
        expire_at: datetime | str | None = None,
        delivery_report: str | None = None,
        callback_url: str | None = None,
        parameters: Mapping[str, Mapping[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.to_add = to_add
        self.to_remove = to_remove
        self.body = body
        self.from_ = from_
        self.send_at = send_at
        self.expire_at = expire_at
        self.delivery_report = delivery_report
        self.callback_url = callback_url
        self.parameters = parameters

    def plan(self, hook: BatchLifecycleHook, batch_ids: list[str]) -> list[BatchAction]:
        """Validate the changes once, then update each batch in turn.

        :param hook: The vendor hook.
        :param batch_ids: The batches to update.
        :raises SmsValidationError: a change breaks a rule, or ``to_add`` names several batches.
        """
        request = SinchUpdateBatchRequest.build(
            given(
                to_add=number_list(self.to_add),
                to_remove=number_list(self.to_remove),
                body=self.body,
                from_=self.from_,
                send_at=self.send_at,
                expire_at=self.expire_at,
                delivery_report=self.delivery_report,
                callback_url=self.callback_url,
                parameters=self.parameters,
            ),
            context={"now": datetime.now(timezone.utc)},
        )
        if request.to_add is not None:
            shown = f"<{len(request.to_add)} numbers>"
            at_most_one_batch("to_add", shown, batch_ids, "every batch would message the added numbers")
        return [BatchAction(batch_id, partial(_update, hook, batch_id, request)) for batch_id in batch_ids]


def _update(hook: BatchLifecycleHook, batch_id: str, request: SinchUpdateBatchRequest) -> Outcome:
    batch = hook.update_batch(batch_id, request)
    return {"outcome": UPDATED, "recipients": len(batch.to)}
