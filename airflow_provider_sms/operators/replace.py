"""``SmsReplaceBatchOperator``: replace batches not yet sent with new content."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any

from airflow_provider_sms.models.sinch import SinchBatch, SinchTextBatchRequest
from airflow_provider_sms.operators._batch_operator import (
    BatchAction,
    BatchLifecycleHook,
    Outcome,
    SmsBatchOperator,
    at_most_one_batch,
    e164,
    given,
    number_list,
)

#: The batch was replaced.
REPLACED = "replaced"
#: Fields a replacement takes from the batch it replaces when the task leaves them empty.
KEPT_FIELDS = ("to", "from_", "client_reference", "delivery_report", "callback_url", "feedback_enabled")


class SmsReplaceBatchOperator(SmsBatchOperator):
    """Replace batches that have not gone out yet with new text (Sinch ``PUT /batches/{id}``).

    A replacement is a whole new batch under the same id. So that replacing the text of a scheduled
    campaign neither sends it at once nor loses its recipients, the arguments left empty are taken from
    the batch being replaced: ``to``, ``from_`` (else the connection's default sender),
    ``client_reference`` (the send task's idempotency key), ``delivery_report``, ``callback_url``,
    ``feedback_enabled``, and ``send_at`` while it is still ahead. Everything else is as given, or Sinch's
    default (``expire_at``: 3 days after sending).

    The batches are read first, then every replacement is validated, and only then is any batch
    changed. A batch that has already gone out cannot be replaced: Sinch answers
    ``403 batch_already_dispatched`` and the task fails without a retry, naming the batches already
    replaced. Fone Dynamics has no API to replace a batch: the task fails at once, before any request.

    Returns ``{"batch_ids": [...], "outcomes": {batch_id: {"outcome": "replaced", "recipients": n}}}``.

    :param sms_conn_id: Id of the SMS connection (templated).
    :param batch_id: One batch id, a list of them, or what ``SmsSendOperator`` returned; pass the send
        task's ``.output`` (an XComArg) to replace every batch of a campaign (templated).
    :param body: The new text, at most 2000 characters; ``${name}`` placeholders are filled from
        ``parameters`` (templated).
    :param to: New E.164 recipients, 1 to 1000; only with a single batch (templated).
    :param from_: Sender: E.164 number, short code or alphanumeric name (templated).
    :param parameters: ``${name}`` values: ``{name: {number or "default": value}}`` (templated).
    :param send_at: When to send: aware datetime, ISO-8601 string with offset, or a template such as
        ``{{ data_interval_end }}`` (templated).
    :param expire_at: When to give up, after ``send_at`` and at most 3 days later (templated).
    :param delivery_report: none, summary, full, per_recipient or per_recipient_final (templated).
    :param callback_url: Where Sinch posts delivery reports (templated).
    :param client_reference: Your reference for the batch, at most 128 characters (templated).
    :param feedback_enabled: Whether you will report delivery feedback for the batch.
    :param flash_message: Whether to show the message at once without storing it.
    :param truncate_concat: Whether to truncate a long text to one message.
    :param max_number_of_message_parts: Fail recipients whose message needs more parts than this.
    """

    capability = "replace"
    done_verb = REPLACED
    template_fields: Sequence[str] = (
        *SmsBatchOperator.template_fields,
        "body",
        "to",
        "from_",
        "parameters",
        "send_at",
        "expire_at",
        "delivery_report",
        "callback_url",
        "client_reference",
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
        delivery_report: str | None = None,
        callback_url: str | None = None,
        client_reference: str | None = None,
        feedback_enabled: bool | None = None,
        flash_message: bool | None = None,
        truncate_concat: bool | None = None,
        max_number_of_message_parts: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.body = body
        self.to = to
        self.from_ = from_
        self.parameters = parameters
        self.send_at = send_at
        self.expire_at = expire_at
        self.delivery_report = delivery_report
        self.callback_url = callback_url
        self.client_reference = client_reference
        self.feedback_enabled = feedback_enabled
        self.flash_message = flash_message
        self.truncate_concat = truncate_concat
        self.max_number_of_message_parts = max_number_of_message_parts

    def plan(self, hook: BatchLifecycleHook, batch_ids: list[str]) -> list[BatchAction]:
        """Read each batch, build and validate every replacement, then replace each batch in turn.

        :param hook: The vendor hook.
        :param batch_ids: The batches to replace.
        :raises SmsValidationError: a replacement breaks a rule, or ``to`` names several batches.
        """
        fields = self._given_fields()
        now = datetime.now(timezone.utc)
        if "to" in fields:
            shown = f"<{len(fields['to'])} numbers>" if isinstance(fields["to"], list) else "(hidden)"
            at_most_one_batch("to", shown, batch_ids, "every batch would message the same recipients")
            # Nothing is read before the given fields are known to be valid.
            SinchTextBatchRequest.build(fields, context={"now": now})
        requests = {
            batch_id: _replacement(fields, hook.get_batch(batch_id), hook.default_from, now)
            for batch_id in batch_ids
        }
        return [
            BatchAction(batch_id, partial(_replace, hook, batch_id, request))
            for batch_id, request in requests.items()
        ]

    def _given_fields(self) -> dict[str, Any]:
        return given(
            body=self.body,
            to=number_list(self.to),
            from_=self.from_,
            parameters=self.parameters,
            send_at=self.send_at,
            expire_at=self.expire_at,
            delivery_report=self.delivery_report,
            callback_url=self.callback_url,
            client_reference=self.client_reference,
            feedback_enabled=self.feedback_enabled,
            flash_message=self.flash_message,
            truncate_concat=self.truncate_concat,
            max_number_of_message_parts=self.max_number_of_message_parts,
        )


def _replacement(
    fields: Mapping[str, Any], batch: SinchBatch, default_from: str | None, now: datetime
) -> SinchTextBatchRequest:
    """Return the validated replacement of ``batch``: the given fields over what the batch keeps."""
    kept: dict[str, Any] = given(**{name: getattr(batch, name) for name in KEPT_FIELDS})
    if batch.to:
        kept["to"] = [e164(number) for number in batch.to]
    if "from_" not in kept and default_from is not None:
        kept["from_"] = default_from
    if batch.send_at is not None and batch.send_at > now:
        kept["send_at"] = batch.send_at
    return SinchTextBatchRequest.build({**kept, **fields}, context={"now": now})


def _replace(hook: BatchLifecycleHook, batch_id: str, request: SinchTextBatchRequest) -> Outcome:
    batch = hook.replace_batch(batch_id, request)
    return {"outcome": REPLACED, "recipients": len(batch.to)}
