"""The arguments ``SmsSendOperator`` and ``SmsDryRunOperator`` share, and the checks made before any request.

:meth:`SmsCampaignOperator.prepare` reads and checks every argument, applies ``past_schedule`` and finds
the vendor hook; :meth:`SmsCampaignOperator.validate` streams the whole source once, building every
chunk's vendor request with the vendor's models. Only then does the subclass make requests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow.sdk import BaseOperator

from airflow_provider_sms.exceptions import Problem, SmsCapabilityError, SmsValidationError
from airflow_provider_sms.hooks.base import Capability, SmsHook
from airflow_provider_sms.hooks.sending import SendOptions
from airflow_provider_sms.operators._campaign.chunks import PlannedChunk, plan_chunks
from airflow_provider_sms.operators._campaign.keys import campaign_key, check_prefix
from airflow_provider_sms.operators._campaign.schedule import (
    PastSchedule,
    Schedule,
    parse_when,
    resolve_schedule,
)
from airflow_provider_sms.operators._campaign.sources import (
    MessagesSource,
    ParameterValues,
    RecipientSource,
    parameter_keys,
    recipient_source,
)
from airflow_provider_sms.operators._campaign.summary import RejectedList
from airflow_provider_sms.version_compat import AirflowFailException, AirflowSkipException

if TYPE_CHECKING:
    from airflow.sdk import Context

InvalidRecipients = Literal["reject", "skip"]
DEFAULT_CHUNK_SIZE = 1000


@dataclass(frozen=True)
class Campaign:
    """A checked send, ready to be validated, previewed or sent.

    :param hook: The vendor hook.
    :param options: What every message shares.
    :param schedule: The schedule after ``past_schedule``.
    :param source: The recipients.
    :param chunk_size: Source positions per chunk.
    :param key: The campaign key every chunk key starts with.
    """

    hook: SmsHook[Any, Any]
    options: SendOptions
    schedule: Schedule
    source: RecipientSource
    chunk_size: int
    key: str

    def chunks(self) -> Iterator[PlannedChunk]:
        """Stream the chunks from the source (a fresh read each time)."""
        return plan_chunks(self.source, self.chunk_size, self.key, self.options)


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
    :param expire_at: (Sinch) when to stop trying to deliver (templated).
    :param past_schedule: What a ``send_at`` that is not in the future does: ``send_now`` (send at once),
        ``skip`` (skip the task) or ``fail`` (fail the task), always before any request.
    :param delivery_report: (Sinch) ``none``, ``summary``, ``full``, ``per_recipient`` or
        ``per_recipient_final``.
    :param callback_url: (Sinch) where delivery reports are posted (templated).
    :param client_reference: Prefix of the idempotency keys, 1-40 of ``A-Z a-z 0-9 _ -``; Sinch's
        ``client_reference`` and Fone Dynamics' ``ExternalId`` are the keys themselves (templated).
    :param flash_message: (Sinch) show the message at once on the handset.
    :param max_number_of_message_parts: (Sinch) most parts a message may take.
    :param truncate_concat: (Sinch) cut a long message to one part.
    :param feedback_enabled: (Sinch) delivery feedback will be reported.
    :param delivery_receipt: (Fone Dynamics) request a delivery receipt.
    :param delivery_receipt_webhook_uri: (Fone Dynamics) URL the receipt is sent to (templated).
    :param delivery_receipt_webhook_method: (Fone Dynamics) ``POST`` or ``GET``.
    :param forward_to_sms: (Fone Dynamics, leased number) forward replies to this number (templated).
    :param forward_from_sms: (Fone Dynamics, leased number) sender of forwarded replies (templated).
    :param forward_to_email: (Fone Dynamics, leased number) forward replies to this address (templated).
    :param forward_from_email: (Fone Dynamics, leased number) sender address of forwarded replies
        (templated).
    :param webhook_uri: (Fone Dynamics, leased number) URL each reply is sent to (templated).
    :param webhook_method: (Fone Dynamics, leased number) ``POST`` or ``GET``.
    :param external_id: (Fone Dynamics) the same as ``client_reference``, under the vendor's name
        (templated).
    :param chunk_size: Recipients per vendor request, at most the vendor's limit (1,000). Ignored for
        Sinch ``messages``: each message is its own batch (templated).
    :param invalid_recipients: ``reject`` (default): one bad recipient fails the task before any request;
        ``skip``: bad recipients are left out and reported in the result.
    """

    #: What the vendor must be able to do; checked before any request.
    capability: ClassVar[Capability]
    template_fields: Sequence[str] = (
        "sms_conn_id",
        "to",
        "body",
        "parameters",
        "messages",
        "from_",
        "send_at",
        "expire_at",
        "callback_url",
        "client_reference",
        "external_id",
        "delivery_receipt_webhook_uri",
        "forward_to_sms",
        "forward_from_sms",
        "forward_to_email",
        "forward_from_email",
        "webhook_uri",
        "chunk_size",
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
        delivery_report: str | None = None,
        callback_url: str | None = None,
        client_reference: str | None = None,
        flash_message: bool | None = None,
        max_number_of_message_parts: int | None = None,
        truncate_concat: bool | None = None,
        feedback_enabled: bool | None = None,
        delivery_receipt: bool | None = None,
        delivery_receipt_webhook_uri: str | None = None,
        delivery_receipt_webhook_method: str | None = None,
        forward_to_sms: str | None = None,
        forward_from_sms: str | None = None,
        forward_to_email: str | None = None,
        forward_from_email: str | None = None,
        webhook_uri: str | None = None,
        webhook_method: str | None = None,
        external_id: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        invalid_recipients: InvalidRecipients = "reject",
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
        self.delivery_report = delivery_report
        self.callback_url = callback_url
        self.client_reference = client_reference
        self.flash_message = flash_message
        self.max_number_of_message_parts = max_number_of_message_parts
        self.truncate_concat = truncate_concat
        self.feedback_enabled = feedback_enabled
        self.delivery_receipt = delivery_receipt
        self.delivery_receipt_webhook_uri = delivery_receipt_webhook_uri
        self.delivery_receipt_webhook_method = delivery_receipt_webhook_method
        self.forward_to_sms = forward_to_sms
        self.forward_from_sms = forward_from_sms
        self.forward_to_email = forward_to_email
        self.forward_from_email = forward_from_email
        self.webhook_uri = webhook_uri
        self.webhook_method = webhook_method
        self.external_id = external_id
        self.chunk_size = chunk_size
        self.invalid_recipients = invalid_recipients

    def prepare(self, context: Context) -> Campaign:
        """Check every argument and the vendor's capabilities, and apply ``past_schedule``; no request.

        :param context: The task's context.
        :raises SmsValidationError: an argument breaks a rule.
        :raises SmsCapabilityError: the vendor cannot do what the arguments ask.
        :raises AirflowSkipException: ``send_at`` is past and ``past_schedule`` is ``skip``.
        :raises AirflowFailException: ``send_at`` is past and ``past_schedule`` is ``fail``.
        """
        hook = SmsHook.for_connection(self.sms_conn_id)
        hook.require(self.capability)
        if self.external_id is not None and hook.vendor != "Fone Dynamics":
            raise SmsCapabilityError(hook.vendor, "set external_id (use client_reference)")
        policy = self._policy()
        now = datetime.now(timezone.utc)
        schedule = resolve_schedule(
            parse_when("send_at", self.send_at), parse_when("expire_at", self.expire_at), policy, now
        )
        if schedule.was_past and policy is not PastSchedule.SEND_NOW:
            text = (
                f"send_at {self.send_at!s} is not after now ({now.isoformat(timespec='seconds')}) "
                f"and past_schedule is {policy.value!r}; nothing was sent"
            )
            if policy is PastSchedule.SKIP:
                raise AirflowSkipException(text)
            raise AirflowFailException(text)
        source = recipient_source(self.to, self.messages, self.parameters)
        options = self._options(schedule, parameter_keys(source, self.parameters))
        hook.check_send_options(options)
        if not isinstance(source, MessagesSource) and (self.body is None or not str(self.body).strip()):
            raise SmsValidationError([Problem("body", repr(self.body), "is required with to")], "send")
        if isinstance(source, MessagesSource) and self.body is not None:
            rule = "messages carry their own texts; leave body out"
            raise SmsValidationError([Problem("body", "(given)", rule)], "send")
        chunk_size = self._chunk_size(hook.max_chunk_size(individual=isinstance(source, MessagesSource)))
        ti = context["ti"]
        map_index = ti.map_index if ti.map_index is not None else -1
        key = campaign_key(ti.dag_id, ti.task_id, ti.run_id, map_index, self._prefix())
        return Campaign(hook, options, schedule, source, chunk_size, key)

    def validate(self, campaign: Campaign) -> RejectedList:
        """Stream the source once: check each recipient and build each chunk's vendor request.

        :param campaign: The prepared send.
        :return: The recipients left out (only when ``invalid_recipients`` is ``skip``).
        :raises SmsValidationError: a recipient is unusable (``reject``), a request breaks a vendor rule,
            or no recipient is left.
        """
        rejected = RejectedList()
        usable = 0
        now = datetime.now(timezone.utc)
        for planned in campaign.chunks():
            for problem in planned.problems:
                rejected.add(problem)
            chunk = planned.chunk
            if not chunk.recipients:
                continue
            usable += len(chunk.recipients)
            try:
                campaign.hook.validate_chunk(chunk, campaign.options, now)
            except SmsValidationError as exc:
                first, last = chunk.recipients[0].position, chunk.recipients[-1].position
                subject = f"{campaign.hook.vendor} request of chunk {chunk.number} (positions {first}-{last})"
                raise SmsValidationError(exc.problems, subject) from None
        if rejected.count and self.invalid_recipients != "skip":
            subject = (
                f"send: {rejected.count} unusable recipient(s); "
                "set invalid_recipients='skip' to leave them out"
            )
            raise SmsValidationError(rejected.listed, subject)
        if not usable:
            raise SmsValidationError(
                [Problem("to", "(no usable recipient)", "a send needs a recipient")], "send"
            )
        return rejected

    def _policy(self) -> PastSchedule:
        try:
            return PastSchedule(self.past_schedule)
        except ValueError:
            rule = "must be one of " + ", ".join(p.value for p in PastSchedule)
            raise SmsValidationError(
                [Problem("past_schedule", repr(self.past_schedule), rule)], "send"
            ) from None

    def _chunk_size(self, vendor_max: int) -> int:
        """Return the checked ``chunk_size``: 1 when the vendor takes one message per request."""
        size: object = self.chunk_size
        if isinstance(size, str) and size.strip().isdigit():
            size = int(size)  # a template renders to text unless the DAG renders native objects
        problems: list[Problem] = []
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            problems.append(
                Problem("chunk_size", repr(size), "must be a whole number of recipients, at least 1")
            )
        elif size > vendor_max > 1:
            rule = f"must be at most {vendor_max}, the most recipients of one request"
            problems.append(Problem("chunk_size", str(size), rule))
        if self.invalid_recipients not in ("reject", "skip"):
            problems.append(
                Problem("invalid_recipients", repr(self.invalid_recipients), "must be 'reject' or 'skip'")
            )
        if problems or not isinstance(size, int):
            raise SmsValidationError(problems, "send")
        return min(size, vendor_max)

    def _prefix(self) -> str | None:
        problems = check_prefix("client_reference", self.client_reference)
        problems += check_prefix("external_id", self.external_id)
        if self.client_reference and self.external_id and self.client_reference != self.external_id:
            problems.append(
                Problem(
                    "external_id", repr(self.external_id), "give client_reference or external_id, not both"
                )
            )
        if problems:
            raise SmsValidationError(problems, "send")
        return self.client_reference or self.external_id

    def _options(self, schedule: Schedule, keys: frozenset[str]) -> SendOptions:
        return SendOptions(
            body=self.body if self.messages in (None, "", []) else None,
            defaults=ParameterValues.parse(self.parameters).defaults(),
            parameter_keys=keys,
            from_=self.from_ or None,
            send_at=schedule.send_at,
            expire_at=schedule.expire_at,
            delivery_report=self.delivery_report,
            callback_url=self.callback_url or None,
            flash_message=self.flash_message,
            max_number_of_message_parts=self.max_number_of_message_parts,
            truncate_concat=self.truncate_concat,
            feedback_enabled=self.feedback_enabled,
            delivery_receipt=self.delivery_receipt,
            delivery_receipt_webhook_uri=self.delivery_receipt_webhook_uri or None,
            delivery_receipt_webhook_method=self.delivery_receipt_webhook_method,
            forward_to_sms=self.forward_to_sms or None,
            forward_from_sms=self.forward_from_sms,
            forward_to_email=self.forward_to_email or None,
            forward_from_email=self.forward_from_email,
            webhook_uri=self.webhook_uri or None,
            webhook_method=self.webhook_method,
        )
