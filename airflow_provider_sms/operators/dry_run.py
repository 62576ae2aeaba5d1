"""``SmsDryRunOperator``: recipients, parts and encodings of a send, without sending it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.hooks.sms import MAX_LISTED, RejectedList, SendChunk, failing_without_retry
from airflow_provider_sms.hooks.tracking import ChunkPreview
from airflow_provider_sms.models.sms import mask_msisdn
from airflow_provider_sms.operators.send import SmsCampaignOperator
from airflow_provider_sms.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Context


class SmsDryRunOperator(SmsCampaignOperator):
    """Preview a send: how many recipients, SMS parts and which encodings, without sending anything.

    Takes the same arguments as :class:`~airflow_provider_sms.operators.send.SmsSendOperator` and
    validates them the same way. Sinch counts with its dry-run endpoint (one call per chunk); for Fone
    Dynamics parts are counted locally (GSM-7 160/153, UCS-2 70/67). A budget fails the task, without a
    retry, when the send would exceed it.

    Returns ``{"vendor", "recipients", "parts", "encodings": {encoding: messages}, "messages": [first 20
    {"to" (masked), "parts", "encoding"}], "skipped", "duplicates", "rejected", "rejected_count"}``, as
    :class:`~airflow_provider_sms.operators.send.SmsSendOperator` counts them.

    :param max_parts: Most SMS parts the send may take in all, a whole number of at least 0 (templated).
    :param max_messages: Most messages (one per recipient) the send may take, a whole number of at least 0
        (templated). A budget that is not such a number fails the task, without a retry, before any request.
    :param kwargs: The send arguments, and ``BaseOperator`` arguments.
    """

    template_fields = (*SmsCampaignOperator.template_fields, "max_parts", "max_messages")

    def __init__(
        self, *, max_parts: int | None = None, max_messages: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.max_parts = max_parts
        self.max_messages = max_messages

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate the send, preview every chunk and check the budget.

        :param context: The task's context.
        :return: The preview (counts, encodings, first messages masked).
        """
        with failing_without_retry():
            max_parts = _budget("max_parts", self.max_parts)
            max_messages = _budget("max_messages", self.max_messages)
            campaign = self.build_campaign(context)
            campaign.hook.require("dry_run")
            rejected = campaign.validate()
        summary = PreviewSummary(vendor=campaign.hook.vendor, rejected=rejected, skipped=rejected.count)
        for planned in campaign.chunks():
            if planned.chunk.recipients:
                summary.add(planned.chunk, campaign.hook.preview_chunk(planned.chunk, campaign.options))
        self.log.info(
            "Dry run: %d recipient(s), %d part(s), encodings %s",
            summary.recipients,
            summary.parts,
            dict(summary.encodings),
        )
        over = []
        if max_parts is not None and summary.parts > max_parts:
            over.append(f"{summary.parts} parts exceed max_parts={max_parts}")
        if max_messages is not None and summary.recipients > max_messages:
            over.append(f"{summary.recipients} messages exceed max_messages={max_messages}")
        if over:
            raise AirflowFailException("The send is over budget: " + "; ".join(over))
        return summary.as_json()


@dataclass
class PreviewSummary:
    """What a dry run found; :meth:`as_json` is its XCom result.

    :param vendor: Vendor name.
    """

    vendor: str
    recipients: int = 0
    parts: int = 0
    skipped: int = 0
    encodings: Counter[str] = field(default_factory=Counter)
    messages: list[dict[str, Any]] = field(default_factory=list)
    rejected: RejectedList = field(default_factory=RejectedList)

    def add(self, chunk: SendChunk, preview: ChunkPreview) -> None:
        """Count a chunk's preview; list its first messages, numbers masked.

        :param chunk: The chunk.
        :param preview: The vendor's preview of it.
        """
        self.recipients += preview.recipients
        self.parts += preview.parts
        for message in preview.messages:
            self.encodings[message.encoding] += 1
            if len(self.messages) < MAX_LISTED:
                shown = mask_msisdn(chunk.recipients[message.index].to)
                self.messages.append({"to": shown, "parts": message.parts, "encoding": message.encoding})

    def as_json(self) -> dict[str, Any]:
        """Return the result: counts, encodings, the first messages (masked) and rejected recipients."""
        return {
            "vendor": self.vendor,
            "recipients": self.recipients,
            "parts": self.parts,
            "encodings": dict(self.encodings),
            "messages": list(self.messages),
            "skipped": self.skipped,
            "duplicates": self.rejected.repeats,
            "rejected": self.rejected.as_json(),
            "rejected_count": self.rejected.count,
        }


def _budget(field: str, value: object) -> int | None:
    """Return a budget argument as a count; a rendered template gives it as a string of digits.

    :raises SmsValidationError: naming the argument, when it is not a whole number of at least 0.
    """
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise SmsValidationError([Problem(field, repr(value), "must be a whole number, at least 0")], "dry run")
