"""``SmsReplaceBatchOperator``: replace batches not yet sent with new content."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.hooks.tracking import PlannedChange
from airflow_provider_sms.operators._batch_operator import SmsBatchOperator


class SmsReplaceBatchOperator(SmsBatchOperator):
    """Replace batches that have not gone out yet with new text (Sinch ``PUT /batches/{id}``).

    A replacement is a whole new batch under the same id. So that replacing the text of a scheduled
    campaign neither sends it at once nor loses its recipients, the arguments left empty are taken from
    the batch being replaced: ``to``, ``from_`` (else the connection's default sender),
    ``client_reference`` (the send task's idempotency key), ``delivery_report``, ``callback_url``,
    ``feedback_enabled``, and ``send_at`` while it is still ahead. Everything else is as given, or the
    vendor's default (Sinch ``expire_at``: 3 days after sending).

    The batches are read first, then every replacement is validated, and only then is any batch
    changed. A batch that has already gone out cannot be replaced: the task fails without a retry, naming
    the batches already replaced. Fone Dynamics has no API to replace a batch: the task fails at once,
    before any request.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": "replaced", "recipients": n}}}``.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to replace every batch of a campaign (templated).
    :param body: The new text; ``${name}`` placeholders are filled from ``parameters`` (templated).
    :param to: New E.164 recipients; only with a single batch (templated).
    :param from_: Sender: E.164 number, short code or alphanumeric name (templated).
    :param parameters: ``${name}`` values: ``{name: {number or "default": value}}`` (templated).
    :param send_at: When to send: aware datetime or ISO-8601 string (templated).
    :param expire_at: When to give up, after ``send_at`` (templated).
    :param client_reference: Your reference for the batch (templated).
    :param vendor_options: Other batch fields by the vendor's name, e.g. ``{"delivery_report": "full",
        "feedback_enabled": True}`` (templated).
    """

    feature = "replace"
    done_verb = "replaced"
    template_fields: Sequence[str] = (
        *SmsBatchOperator.template_fields,
        "body",
        "to",
        "from_",
        "parameters",
        "send_at",
        "expire_at",
        "client_reference",
        "vendor_options",
    )

    def __init__(
        self,
        *,
        sms_conn_id: str,
        batch_id: Any,
        body: str,
        to: Sequence[str] | None = None,
        from_: str | None = None,
        parameters: Mapping[str, Mapping[str, str]] | None = None,
        send_at: datetime | str | None = None,
        expire_at: datetime | str | None = None,
        client_reference: str | None = None,
        vendor_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.body = body
        self.to = to
        self.from_ = from_
        self.parameters = parameters
        self.send_at = send_at
        self.expire_at = expire_at
        self.client_reference = client_reference
        self.vendor_options = vendor_options

    def plan(self, hook: SmsHook, batch_ids: list[str]) -> list[PlannedChange]:
        """Read each batch and validate every replacement; change nothing.

        :param hook: The vendor hook.
        :param batch_ids: The batches to replace.
        """
        fields = {
            **(self.vendor_options or {}),
            "body": self.body,
            "to": self.to,
            "from_": self.from_,
            "parameters": self.parameters,
            "send_at": self.send_at,
            "expire_at": self.expire_at,
            "client_reference": self.client_reference,
        }
        return hook.plan_replace(batch_ids, fields)
