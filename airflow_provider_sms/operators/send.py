"""``SmsSendOperator``: send or schedule one text to many recipients, or individual messages, exactly once.

How a send stays idempotent: every chunk (one vendor request) carries a key derived from the task
instance and the chunk number (see ``_campaign/keys.py``). Chunks are sent in order, so an earlier try
that sent anything sent the first chunk: each try first looks up the first chunk's key. If nothing was
found this is the first try that got that far, and the rest is sent without lookups; if it was found,
every following chunk is looked up until one is missing, and from there on sent. After an ambiguous
failure (the connection broke after the request was sent) the chunk's key is always looked up before it
is sent again.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_sms.exceptions import (
    Problem,
    SmsAmbiguousResultError,
    SmsError,
)
from airflow_provider_sms.hooks.sending import SendChunk, SentChunk
from airflow_provider_sms.models.sms import count_parts, mask_msisdn
from airflow_provider_sms.operators._campaign.operator import (
    Campaign,
    SmsCampaignOperator,
)
from airflow_provider_sms.operators._campaign.summary import SendSummary
from airflow_provider_sms.task_failures import failing_without_retry
from airflow_provider_sms.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Context

#: XCom key of the record a failed try leaves: what was sent before the failure.
PROGRESS_XCOM_KEY = "sms_send_progress"
#: How often one chunk is sent again after ambiguous failures (each time after a lookup found nothing).
MAX_AMBIGUOUS_RESENDS = 3
#: Why a recipient of a chunk found again has no message: the vendor refused it when the chunk was sent.
REFUSED_EARLIER = "refused by the vendor when its chunk was first sent; not sent again"


class SmsSendOperator(SmsCampaignOperator):
    """Send or schedule one text to many recipients, or a list of individual messages, exactly once.

    Everything is validated before the first request (each recipient, and each chunk built into the
    vendor's request model); then the recipients are sent chunk by chunk, streamed from the source.
    Retries and re-runs of the same DAG run send only what earlier tries did not (see the module
    docstring). A ``send_at`` that is already past is handled by ``past_schedule``.

    Returns ``{"vendor", "batch_ids", "recipients", "parts", "skipped", "rejected", "rejected_count",
    "chunks", "reused_chunks"}``. ``batch_ids`` are what the sensors and batch operators accept: Sinch
    batch ids, or Fone Dynamics ``<key>@<unix seconds>`` ids naming the messages whose ``ExternalId`` is
    ``<key>.<position>``. ``rejected`` lists at most 20 recipients left out (masked), with the rule.
    If a try fails half-way, what it sent is logged chunk by chunk and pushed to XCom under
    ``sms_send_progress`` before the error is raised.

    The arguments are those of
    :class:`~airflow_provider_sms.operators._campaign.operator.SmsCampaignOperator`.
    """

    capability: ClassVar = "send"

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate the whole send, then send what earlier tries did not.

        :param context: The task's context.
        :return: The send's summary (ids and counts).
        """
        with failing_without_retry():
            campaign = self.prepare(context)
            rejected = self.validate(campaign)
        summary = SendSummary(vendor=campaign.hook.vendor, rejected=rejected, skipped=rejected.count)
        self.log.info(
            "Sending through %s, keys %s-c<chunk>, %s", campaign.hook.vendor, campaign.key, _when(campaign)
        )
        try:
            self._send_all(campaign, summary)
        except SmsError as exc:
            self._record_progress(context, summary)
            if exc.retryable:
                raise
            raise AirflowFailException(f"{exc}; sent before the failure: {_progress(summary)}") from exc
        except AirflowFailException:  # a chunk the vendor refused as a whole
            self._record_progress(context, summary)
            raise
        self.log.info("Sent: %s", _progress(summary))
        return summary.as_json()

    def _send_all(self, campaign: Campaign, summary: SendSummary) -> None:
        look_up = True
        first = True
        for planned in campaign.chunks():
            chunk = planned.chunk
            if not chunk.recipients:
                continue
            found = campaign.hook.find_chunk(chunk.key) if look_up else None
            if first or found is None:
                look_up = found is not None
            first = False
            sent = found or self._send_chunk(campaign, chunk)
            self._count(campaign, chunk, sent, summary)

    def _send_chunk(self, campaign: Campaign, chunk: SendChunk) -> SentChunk:
        """Send a chunk; after an ambiguous failure look its key up before sending it again."""
        hook = campaign.hook
        for attempt in range(MAX_AMBIGUOUS_RESENDS + 1):
            schedule = campaign.schedule.due_by(datetime.now(timezone.utc))
            options = dataclasses.replace(
                campaign.options, send_at=schedule.send_at, expire_at=schedule.expire_at
            )
            try:
                return hook.send_chunk(chunk, options)
            except SmsAmbiguousResultError:
                self.log.warning(
                    "Chunk %d (key %s): result unknown, looking the key up", chunk.number, chunk.key
                )
                found = hook.find_chunk(chunk.key)
                if found is not None:
                    return found
                if attempt == MAX_AMBIGUOUS_RESENDS:
                    raise
                self.log.warning(
                    "Chunk %d (key %s) was not created; sending it again", chunk.number, chunk.key
                )
        raise AssertionError("unreachable")

    def _count(self, campaign: Campaign, chunk: SendChunk, sent: SentChunk, summary: SendSummary) -> None:
        refused = dict(sent.rejected)
        if sent.found_indexes is not None:
            refused.update(
                (index, REFUSED_EARLIER)
                for index in range(len(chunk.recipients))
                if index not in sent.found_indexes
            )
        if refused and len(refused) >= len(chunk.recipients):
            reasons = "; ".join(sorted(set(refused.values())))
            raise AirflowFailException(
                f"{campaign.hook.vendor} refused every message of chunk {chunk.number} (key {chunk.key}): "
                f"{reasons}; sent before: {_progress(summary)}"
            )
        for index, reason in refused.items():
            recipient = chunk.recipients[index]
            summary.rejected.add(Problem(f"to[{recipient.position}]", mask_msisdn(recipient.to), reason))
        options = campaign.options
        for index, recipient in enumerate(chunk.recipients):
            if index not in refused:
                summary.parts += (
                    1 if options.truncate_concat else count_parts(options.text_for(recipient)).parts
                )
        summary.batch_ids.append(sent.batch_id)
        summary.recipients += sent.accepted
        summary.reused_chunks += int(sent.found)
        how = "found already sent" if sent.found else "sent"
        self.log.info(
            "Chunk %d (key %s): %s as batch %s, %d recipient(s) accepted, %d refused",
            chunk.number,
            chunk.key,
            how,
            sent.batch_id,
            sent.accepted,
            len(refused),
        )

    def _record_progress(self, context: Context, summary: SendSummary) -> None:
        progress = summary.as_json()
        self.log.error("Send failed after: %s", _progress(summary))
        try:
            context["ti"].xcom_push(key=PROGRESS_XCOM_KEY, value=progress)
        except Exception:  # the record is a courtesy: never hide the send's own error behind it
            self.log.exception("Could not push the send's progress to XCom")


def _progress(summary: SendSummary) -> str:
    ids = ", ".join(summary.batch_ids) or "none"
    return f"{len(summary.batch_ids)} chunk(s), {summary.recipients} recipient(s), batches: {ids}"


def _when(campaign: Campaign) -> str:
    schedule = campaign.schedule
    if schedule.send_at is not None:
        return f"scheduled for {schedule.send_at.isoformat()}"
    return "sending now (send_at was past)" if schedule.was_past else "sending now"
