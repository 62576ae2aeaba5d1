"""``SmsUpdateBatchOperator``: change recipients, text, schedule or reports of batches not yet sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.hooks.tracking import PlannedChange
from airflow_provider_sms.operators._batch_operator import SmsBatchOperator


class SmsUpdateBatchOperator(SmsBatchOperator):
    """Change batches that have not gone out yet: add or remove recipients, change text, schedule, reports.

    Only the arguments given are changed (Sinch ``POST /batches/{id}``). Every argument is validated
    before the first request. A batch that has already gone out cannot be changed: the task fails without
    a retry, naming the batches already updated. Fone Dynamics has no API to update a batch: the task fails
    at once, before any request.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": "updated", "recipients": n}}}``.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to update every batch of a campaign (templated).
    :param to_add: E.164 numbers to add; only with a single batch, since each batch would message them
        (templated).
    :param to_remove: E.164 numbers to remove; with several batches, each removes those it holds
        (templated).
    :param body: New text (templated).
    :param from_: New sender: E.164 number, short code or alphanumeric name (templated).
    :param send_at: New send time: aware datetime or ISO-8601 string (templated).
    :param expire_at: New expiry, after the send time (templated).
    :param parameters: New ``${name}`` values: ``{name: {number or "default": value}}`` (templated).
    :param vendor_options: Other fields to change by the vendor's name, e.g. ``{"delivery_report": "full",
        "callback_url": "https://..."}`` (templated).
    """

    feature = "update"
    done_verb = "updated"
    template_fields: Sequence[str] = (
        *SmsBatchOperator.template_fields,
        "to_add",
        "to_remove",
        "body",
        "from_",
        "send_at",
        "expire_at",
        "parameters",
        "vendor_options",
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
        parameters: Mapping[str, Mapping[str, str]] | None = None,
        vendor_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.to_add = to_add
        self.to_remove = to_remove
        self.body = body
        self.from_ = from_
        self.send_at = send_at
        self.expire_at = expire_at
        self.parameters = parameters
        self.vendor_options = vendor_options

    def plan(self, hook: SmsHook, batch_ids: list[str]) -> list[PlannedChange]:
        """Validate the changes once; change nothing.

        :param hook: The vendor hook.
        :param batch_ids: The batches to update.
        """
        fields = {
            **(self.vendor_options or {}),
            "to_add": self.to_add,
            "to_remove": self.to_remove,
            "body": self.body,
            "from_": self.from_,
            "send_at": self.send_at,
            "expire_at": self.expire_at,
            "parameters": self.parameters,
        }
        return hook.plan_update(batch_ids, fields)
