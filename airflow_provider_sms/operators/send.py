"""``SmsSendOperator``: send or schedule one text to many recipients, or individual messages, exactly once.

The work is the campaign engine's (:mod:`airflow_provider_sms.hooks.campaign`): this module reads the
templated arguments, derives the idempotency key from the task instance, and turns the engine's outcome
into the task's result, its log and, after a failure, the ``sms_send_progress`` record.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_sms.exceptions import Problem, SmsError, SmsValidationError
from airflow_provider_sms.hooks.campaign import DEFAULT_CHUNK_SIZE, Campaign
from airflow_provider_sms.hooks.sms import (
    ChunkSent,
    Log,
    PastSchedule,
    RejectedList,
    SmsHook,
    earliest_send,
    failing_without_retry,
)
from airflow_provider_sms.version_compat import AirflowFailException, AirflowSkipException

if TYPE_CHECKING:
    from airflow.sdk import Context

#: XCom key of the record a failed try leaves: what was sent before the failure, by this try or earlier.
PROGRESS_XCOM_KEY = "sms_send_progress"

# -- the campaign key: <prefix>-<task slug>-<digest>; chunk n's key appends -c<n> (hooks/campaign.py) --

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}\Z")
PREFIX_RULE = "must be 1-40 characters of A-Z, a-z, 0-9, '_' and '-' (it prefixes the idempotency key)"
DEFAULT_PREFIX = "sms"
SLUG_MAX_CHARS = 24
DIGEST_HEX_CHARS = 16
_NOT_KEY_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def campaign_key(dag_id: str, task_id: str, run_id: str, map_index: int, prefix: object = None) -> str:
    """Return ``<prefix>-<task slug>-<digest>``, the start of every chunk key of a task instance.

    The prefix is the user's ``client_reference`` (else ``sms``), the slug the task id cut to 24 key
    characters, the digest 16 hex digits of SHA-256 over dag id, task id, run id and map index: no try number.

    :param dag_id: The DAG id.
    :param task_id: The task id.
    :param run_id: The DAG run id.
    :param map_index: The map index (``-1`` when the task is not mapped).
    :param prefix: The user's prefix (an int is taken as its digits).
    :raises SmsValidationError: the prefix breaks :data:`PREFIX_RULE`.
    """
    if isinstance(prefix, int) and not isinstance(prefix, bool):
        prefix = str(prefix)  # a native template render made a number of it
    if prefix is not None and (not isinstance(prefix, str) or not PREFIX_PATTERN.match(prefix)):
        shown = repr(prefix[:60]) if isinstance(prefix, str) else f"<{type(prefix).__name__}>"
        raise SmsValidationError([Problem("client_reference", shown, PREFIX_RULE)], "send")
    identity = "\x1f".join((dag_id, task_id, run_id, str(map_index)))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:DIGEST_HEX_CHARS]
    slug = _NOT_KEY_CHARS.sub("-", task_id).strip("-")[:SLUG_MAX_CHARS].strip("-") or "task"
    return f"{prefix or DEFAULT_PREFIX}-{slug}-{digest}"


@dataclass
class SendSummary:
    """What a send did so far; :meth:`as_json` is its XCom result (ids and counts, never numbers).

    :param vendor: Vendor name.
    """

    vendor: str
    batch_ids: list[str] = field(default_factory=list)
    recipients: int = 0
    parts: int = 0
    skipped: int = 0
    reused_chunks: int = 0
    rejected: RejectedList = field(default_factory=RejectedList)
    #: The highest chunk number counted, ``-1`` before any.
    last_chunk: int = -1
    #: After a failure: the first chunk whose key could not be looked up, and why (``None``: all checked).
    unchecked_from: int | None = None
    unchecked_reason: str = ""

    def add(self, outcome: ChunkSent) -> None:
        """Count one chunk's outcome.

        :param outcome: What sending the chunk came to.
        """
        for problem in outcome.refused:
            self.rejected.add(problem)
        self.parts += outcome.parts
        self.batch_ids.append(outcome.sent.batch_id)
        self.recipients += outcome.sent.accepted
        self.reused_chunks += int(outcome.sent.found)
        self.last_chunk = outcome.chunk.number

    def as_json(self) -> dict[str, Any]:
        """Return the result: ids and counts only, rejected recipients masked and bounded."""
        return {
            "vendor": self.vendor,
            "batch_ids": list(self.batch_ids),
            "recipients": self.recipients,
            "parts": self.parts,
            "skipped": self.skipped,
            "duplicates": self.rejected.repeats,
            "rejected": self.rejected.as_json(),
            "rejected_count": self.rejected.count,
            "chunks": len(self.batch_ids),
            "reused_chunks": self.reused_chunks,
            **({} if self.unchecked_from is None else {"unchecked_from_chunk": self.unchecked_from}),
        }

    def progress(self) -> str:
        """Return one line saying what was sent, for logs and errors."""
        ids = ", ".join(self.batch_ids) or "none"
        line = f"{len(self.batch_ids)} chunk(s), {self.recipients} recipient(s), batches: {ids}"
        if self.unchecked_from is not None:
            line += (
                f"; from chunk {self.unchecked_from} on nothing could be checked ({self.unchecked_reason}): "
                "earlier tries may have sent more, the next try looks their keys up first"
            )
        return line

    def count_earlier_chunks(self, campaign: Campaign, logger: Log) -> None:
        """After a failed try, count what any try sent beyond the chunks this try knows.

        Chunks may have gone out in any order (several at once, or by tries killed half-way), so the keys
        after :attr:`last_chunk` are found in one listing (:meth:`Campaign.find_sent`, which tries a
        failed listing again). When it keeps failing, :attr:`unchecked_from` says from which chunk on
        nothing is known.

        :param campaign: The send.
        :param logger: The task's logger.
        """
        number = self.last_chunk + 1
        try:
            prefix = len(campaign.key) + 2  # <campaign key>-c<number>
            found = {
                key: sent
                for key, sent in campaign.find_sent().items()
                if key[prefix:].isdigit() and int(key[prefix:]) > self.last_chunk
            }
            for planned in campaign.chunks() if found else ():
                number = planned.chunk.number
                if (sent := found.pop(planned.chunk.key, None)) is not None:
                    self.add(campaign.outcome(planned.chunk, sent, logger))
                if not found:
                    return
        except SmsError as exc:
            self.unchecked_from = max(number, self.last_chunk + 1)
            self.unchecked_reason = type(exc).__name__


def past_schedule_refusal(campaign: Campaign, now: datetime | None = None) -> str | None:
    """Return why nothing may be sent when ``send_at`` was past and the policy is ``skip`` or ``fail``.

    :param campaign: The send.
    :param now: The current time, for the message.
    """
    schedule = campaign.schedule
    if not schedule.was_past or campaign.policy is PastSchedule.SEND_NOW:
        return None
    shown_now = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    return (
        f"send_at {schedule.send_at!s} is not after now ({shown_now}) "
        f"and past_schedule is {campaign.policy.value!r}; nothing was sent"
    )


def describe_schedule(campaign: Campaign) -> str:
    """Say when the messages go out, for the log.

    :param campaign: The send.
    """
    if campaign.schedule.send_at is not None:
        return f"scheduled for {campaign.schedule.send_at.isoformat()}"
    return "sending now (send_at was past)" if campaign.schedule.was_past else "sending now"


class SmsCampaignOperator(BaseOperator):
    """Base of the send and dry-run operators: one text to many recipients, or individual messages.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection (templated).
    :param to: Recipients: a list of E.164 numbers, one number, or the path of a CSV file with a
        ``phone`` column and optional columns holding ``${column}`` values (templated).
    :param body: The text; ``${key}`` placeholders are filled per recipient (templated).
    :param parameters: ``{key: {number: value, "default": value}}`` for the placeholders (templated).
    :param messages: Instead of ``to`` and ``body``: ``[{"to": number, "body": text}, ...]`` (templated).
    :param from_: Sender id; the connection's ``default_from`` when not given (templated).
    :param send_at: When to send: a datetime or an ISO-8601 string, e.g. ``{{ data_interval_end }}``
        (templated).
    :param expire_at: When to stop trying to deliver (Sinch; Fone Dynamics has no such option) (templated).
    :param past_schedule: What a ``send_at`` that is not in the future does: ``send_now`` (send at once),
        ``skip`` (skip the task) or ``fail`` (fail the task), always before any request.
    :param client_reference: Prefix of the idempotency keys, 1-40 of ``A-Z a-z 0-9 _ -``; Sinch's
        ``client_reference`` and Fone Dynamics' ``ExternalId`` are the keys themselves (templated).
    :param vendor_options: Vendor-specific message options by the vendor's field name, e.g. Sinch
        ``{"delivery_report": "full", "flash_message": True}`` or Fone Dynamics
        ``{"delivery_receipt": True}``; an option the vendor does not have fails the task before any
        request (templated).
    :param chunk_size: Recipients per vendor request, at most the vendor's limit (1,000). Ignored for
        Sinch ``messages``: each message is its own batch (templated).
    :param invalid_recipients: ``reject`` (default): one bad recipient fails the task before any request;
        ``skip``: bad recipients are left out and reported in the result. A number listed again is
        always left out (each number gets one SMS per send) and reported, never an error.
    :param encoding: The encoding of the CSV file ``to`` names: UTF-8 by default (a byte order mark is
        skipped), e.g. ``latin-1`` or ``cp1252`` for a spreadsheet's export (templated).
    """

    template_fields: Sequence[str] = (
        "sms_conn_id",
        "to",
        "body",
        "parameters",
        "messages",
        "from_",
        "send_at",
        "expire_at",
        "client_reference",
        "vendor_options",
        "chunk_size",
        "encoding",
    )

    def __init__(
        self,
        *,
        sms_conn_id: str,
        to: Any = None,
        body: str | None = None,
        parameters: Any = None,
        messages: Any = None,
        from_: str | None = None,
        send_at: Any = None,
        expire_at: Any = None,
        past_schedule: str = PastSchedule.SEND_NOW.value,
        client_reference: str | None = None,
        vendor_options: Mapping[str, Any] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        invalid_recipients: str = "reject",
        encoding: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sms_conn_id = sms_conn_id
        self.to = to
        self.body = body
        self.parameters = parameters
        self.messages = messages
        self.from_ = from_
        self.send_at = send_at
        self.expire_at = expire_at
        self.past_schedule = past_schedule
        self.client_reference = client_reference
        self.vendor_options = vendor_options
        self.chunk_size = chunk_size
        self.invalid_recipients = invalid_recipients
        self.encoding = encoding

    def build_campaign(self, context: Context) -> Campaign:
        """Check every argument and the vendor's features, and apply ``past_schedule``; no request.

        :param context: The task's context.
        :raises SmsValidationError: an argument breaks a rule.
        :raises SmsCapabilityError: the vendor cannot do what the arguments ask.
        :raises AirflowSkipException: ``send_at`` is past and ``past_schedule`` is ``skip``.
        :raises AirflowFailException: ``send_at`` is past and ``past_schedule`` is ``fail``.
        """
        ti = context["ti"]
        map_index = ti.map_index if ti.map_index is not None else -1
        campaign = Campaign.build(
            SmsHook.for_connection(self.sms_conn_id),
            key=campaign_key(ti.dag_id, ti.task_id, ti.run_id, map_index, self.client_reference or None),
            to=self.to,
            body=self.body,
            parameters=self.parameters,
            messages=self.messages,
            from_=self.from_,
            send_at=self.send_at,
            expire_at=self.expire_at,
            past_schedule=self.past_schedule,
            vendor_options=self.vendor_options,
            chunk_size=self.chunk_size,
            invalid_recipients=self.invalid_recipients,
            sent_since=earliest_send(context),
            encoding=self.encoding,
        )
        refusal = past_schedule_refusal(campaign)
        if refusal is not None:
            if campaign.policy is PastSchedule.SKIP:
                raise AirflowSkipException(refusal)
            raise AirflowFailException(refusal)
        return campaign


class SmsSendOperator(SmsCampaignOperator):
    """Send or schedule one text to many recipients, or a list of individual messages, exactly once.

    Everything is validated before the first request (each recipient, and each chunk built into the
    vendor's request model); then the recipients are sent chunk by chunk, streamed from the source.
    Retries and re-runs of the same DAG run send only what earlier tries did not: each chunk carries a key
    derived from the task instance and the chunk number, and a try looks up what the keys already created
    (see :mod:`airflow_provider_sms.hooks.campaign`). A ``send_at`` that is already past is handled by
    ``past_schedule``.

    Returns ``{"vendor", "batch_ids", "recipients", "parts", "skipped", "rejected", "rejected_count",
    "chunks", "reused_chunks"}``. ``batch_ids`` are what the sensors and batch operators accept: Sinch
    batch ids, or Fone Dynamics ``<key>@<unix seconds>`` ids naming the messages whose ``ExternalId`` is
    ``<key>.<position>``. ``rejected`` lists at most 20 recipients left out (masked), with the rule.
    If a try fails half-way, what it sent is logged chunk by chunk and pushed to XCom under
    ``sms_send_progress`` before the error is raised.

    The arguments are those of :class:`SmsCampaignOperator`.
    """

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate the whole send, then send what earlier tries did not.

        :param context: The task's context.
        :return: The send's summary (ids and counts).
        """
        with failing_without_retry():
            campaign = self.build_campaign(context)
            rejected = campaign.validate()
        summary = SendSummary(vendor=campaign.hook.vendor, rejected=rejected, skipped=rejected.count)
        self.log.info(
            "Sending through %s, keys %s-c<chunk>, %s",
            campaign.hook.vendor,
            campaign.key,
            describe_schedule(campaign),
        )
        try:
            for outcome in campaign.send(self.log):
                summary.add(outcome)
        except SmsError as exc:
            summary.count_earlier_chunks(campaign, self.log)
            self.log.error("Send failed after: %s", summary.progress())
            try:
                context["ti"].xcom_push(key=PROGRESS_XCOM_KEY, value=summary.as_json())
            except Exception:  # the record is a courtesy: never hide the send's own error behind it
                self.log.exception("Could not push the send's progress to XCom")
            if exc.retryable:
                raise
            raise AirflowFailException(f"{exc}; sent before the failure: {summary.progress()}") from exc
        self.log.info("Sent: %s", summary.progress())
        return summary.as_json()
