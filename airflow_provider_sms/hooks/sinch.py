"""``SinchHook``: everything about Sinch's SMS REST API (XMS batches) an Airflow task needs.

The ``sinch`` connection is read once into :class:`~airflow_provider_sms.clients.sinch.SinchSettings`; each
API endpoint is one method here; and the neutral operations of :class:`SmsHook` are implemented with them:

* a chunk of a send is one batch, its idempotency key the batch's ``client_reference``; finding chunks
  again lists the batches created since the send began, or looks each key up when that takes fewer requests;
* placeholders are sent as they are, with the chunk's ``parameters``: Sinch fills them in itself;
* tracking reads the batch delivery report: Sinch lists only recipients whose status it knows, and a
  batch's ``total_message_count`` says how many it has, so the ones not listed yet count as pending.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from airflow.sdk.log import mask_secret

from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.clients.transport import is_last_page
from airflow_provider_sms.exceptions import Problem, SmsForbiddenError, SmsRefusedError, SmsValidationError
from airflow_provider_sms.hooks._form import SINCH_CONN_TYPE, SINCH_FORM, SINCH_HOOK_NAME
from airflow_provider_sms.hooks.sms import (
    LOOKUP_CLOCK_SKEW,
    PLACEHOLDER_PATTERN,
    SendChunk,
    SendOptions,
    SentChunk,
    SmsHook,
)
from airflow_provider_sms.hooks.tracking import (
    BatchStatus,
    ChunkPreview,
    KeyedBatch,
    MessagePreview,
    PlannedChange,
    RecipientState,
    StatusCount,
    only_recipients,
)
from airflow_provider_sms.models.sinch import (
    SinchBatch,
    SinchBatchListPage,
    SinchBinaryBatchRequest,
    SinchDeliveryFeedbackRequest,
    SinchDryRunResponse,
    SinchTextBatchRequest,
    SinchUpdateBatchRequest,
)
from airflow_provider_sms.models.sinch_reports import (
    SinchBatchDeliveryReport,
    SinchDeliveryReportListPage,
    SinchInbound,
    SinchInboundListPage,
    SinchRecipientDeliveryReport,
)
from airflow_provider_sms.models.sms import NeutralStatus, from_sinch, mask_msisdn

if TYPE_CHECKING:
    from airflow_provider_sms.models.inbound import InboundSms

#: Most recipients of one batch.
SINCH_MAX_RECIPIENTS = 1000
#: How far back ``GET /batches`` can see; the default ``start_date`` is only 24 hours back.
SINCH_LIST_WINDOW = timedelta(days=14)
#: Most batches one page of ``GET /batches`` holds.
SINCH_MAX_PAGE_SIZE = 100
#: Batch fields the campaign engine sets itself; every other batch field is a vendor option of a send.
ENGINE_FIELDS = frozenset(
    {"to", "from_", "body", "parameters", "client_reference", "send_at", "expire_at", "type"}
)
#: Fields a replacement takes from the batch it replaces when the task leaves them empty.
KEPT_FIELDS = ("to", "from_", "client_reference", "delivery_report", "callback_url", "feedback_enabled")
#: Checks a replacement's given fields before the batch (and its recipients) is read; never sent.
STAND_IN_RECIPIENT = "+10000000000"
#: Sinch's error code for a change to a batch that has already gone out (or was cancelled).
ALREADY_DISPATCHED = "batch_already_dispatched"
#: Outcomes of a cancel: every message cancelled, some already gone out, or all of them.
CANCELLED, PARTLY_CANCELLED, ALREADY_FINAL = "cancelled", "partly_cancelled", "already_final"

SinchBatchRequest = SinchTextBatchRequest | SinchBinaryBatchRequest


class SinchHook(SmsHook):
    """Hook for the Sinch SMS REST API (XMS batches).

    Connection: ``login`` is the service plan ID (or the access key ID for OAuth2), ``password`` the API token
    (or the access key secret), ``host`` an optional base URL override; ``extra`` holds ``region``
    (us, eu, au, br, ca), ``auth_type`` (api_token, oauth2), ``project_id``, ``auth_url``, ``default_from``,
    ``has_default_originator``, ``timeout``, ``max_retries``, ``max_retry_wait`` and ``allow_insecure_http``
    (any other key is an error).

    Every batch a send, a preview (dry run) or a replacement builds needs a sender: the task's ``from_``,
    else the connection's ``default_from``, else the service plan's default originator when
    ``has_default_originator`` says there is one. Without any, it is refused before the request, because
    Sinch would accept the batch and abort every message (code 410). The endpoint methods
    (:meth:`send_batch` ...) send what they are given, as the client does.

    :param sms_conn_id: Id of a ``sinch`` connection.
    :param logger_name: Name of the hook's logger.
    """

    conn_type = SINCH_CONN_TYPE
    default_conn_name = "sinch_default"
    hook_name = SINCH_HOOK_NAME
    vendor = "Sinch"
    features = frozenset(
        {"send", "dry_run", "replace", "update", "cancel", "feedback", "delivery_reports", "expire_at"}
    )
    connection_form = SINCH_FORM
    connection_fields = {
        "service_plan_id": "login",
        "key_id": "login",
        "api_token": "password",
        "key_secret": "password",
        "base_url": "host",
    }

    def __init__(self, sms_conn_id: str | None = None, logger_name: str | None = None) -> None:
        super().__init__(sms_conn_id=sms_conn_id, logger_name=logger_name)
        self._client: SinchClient | None = None

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the ``extra`` fields of the connection form (Airflow 3.1)."""
        return SINCH_FORM.legacy_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return labels, placeholders and hidden standard fields of the connection form (Airflow 3.1)."""
        return SINCH_FORM.legacy_ui_field_behaviour()

    @cached_property
    def settings(self) -> SinchSettings:
        """The connection's checked settings.

        :raises SmsValidationError: naming the connection and every bad field.
        """
        connection = self.airflow_connection()
        extra = self.extra()
        oauth = str(extra.get("auth_type") or "").strip().lower() == "oauth2"
        settings: SinchSettings = self.read_settings(
            SinchSettings,
            {
                "region": extra.get("region"),
                "auth_type": extra.get("auth_type"),
                "service_plan_id": None if oauth else connection.login,
                "api_token": None if oauth else connection.password,
                "key_id": connection.login if oauth else None,
                "key_secret": connection.password if oauth else None,
                "project_id": extra.get("project_id"),
                "auth_url": extra.get("auth_url"),
                "base_url": connection.host,
                "default_from": extra.get("default_from"),
                "has_default_originator": extra.get("has_default_originator"),
                "timeout": extra.get("timeout"),
                "max_retries": extra.get("max_retries"),
                "max_retry_wait": extra.get("max_retry_wait"),
                "allow_insecure_http": extra.get("allow_insecure_http"),
            },
        )
        return settings

    @property
    def secret(self) -> str:
        """The API token or access key secret."""
        return self.settings.secret

    @property
    def default_from(self) -> str | None:
        """The connection's default sender (``extra.default_from``), or ``None``."""
        return self.settings.default_from

    def get_conn(self) -> SinchClient:
        """Return the Sinch client, built on first use; the secret is masked in logs before that."""
        if self._client is None:
            settings = self.settings
            mask_secret(settings.secret)
            self.log.info("Using Sinch connection %r", self.sms_conn_id)
            self._client = SinchClient(settings, on_new_token=mask_secret)
        return self._client

    def _probe(self) -> str:
        self.list_batches_page(page_size=1)
        return f"listed batches in region {self.settings.region}"

    # -- endpoints, one method each ---------------------------------------------------------------------

    def send_batch(
        self, request: SinchBatchRequest | Mapping[str, Any] | None = None, **fields: Any
    ) -> SinchBatch:
        """Send or schedule a batch (POST ``/batches``); see :meth:`SinchClient.send_batch`.

        :param request: A built request model, or its fields by API name.
        :param fields: Fields by API name in snake_case (``from_`` for ``from``), merged over ``request``.
        """
        return self.get_conn().send_batch(request, **fields)

    def send_wire_batch(self, wire: Mapping[str, Any]) -> SinchBatch:
        """Send a batch already checked and in wire form; see :meth:`SinchClient.send_wire_batch`.

        :param wire: The request body as Sinch takes it (``SinchTextBatchRequest.to_wire()``).
        """
        return self.get_conn().send_wire_batch(wire)

    def dry_run(
        self,
        request: SinchBatchRequest | Mapping[str, Any] | None = None,
        *,
        per_recipient: bool | None = None,
        number_of_recipients: int | None = None,
        **fields: Any,
    ) -> SinchDryRunResponse:
        """Compute parts and encoding of a batch without sending it (POST ``/batches/dry_run``).

        :param request: A built request model, or its fields by API name.
        :param per_recipient: Whether to list each recipient's body, parts and encoding.
        :param number_of_recipients: How many recipients to list (1-1000).
        :param fields: Batch fields, merged over ``request``.
        """
        return self.get_conn().dry_run(
            request, per_recipient=per_recipient, number_of_recipients=number_of_recipients, **fields
        )

    def list_batches(self, **query: Any) -> Iterator[SinchBatch]:
        """Iterate every batch matching the filters, fetching pages lazily (GET ``/batches``).

        :param query: ``page``, ``page_size`` (1-100), ``from_``, ``start_date``, ``end_date``,
            ``client_reference``.
        """
        return self.get_conn().list_batches(**query)

    def list_batches_page(self, **query: Any) -> SinchBatchListPage:
        """Return one page of batches (GET ``/batches``).

        :param query: Filters as in :meth:`list_batches`.
        """
        return self.get_conn().list_batches_page(**query)

    def get_batch(self, batch_id: str) -> SinchBatch:
        """Return one batch (GET ``/batches/{batch_id}``).

        :param batch_id: The id Sinch gave the batch.
        """
        return self.get_conn().get_batch(batch_id)

    def update_batch(
        self, batch_id: str, request: SinchUpdateBatchRequest | Mapping[str, Any] | None = None, **fields: Any
    ) -> SinchBatch:
        """Change a batch not yet sent (POST ``/batches/{batch_id}``).

        :param batch_id: The id Sinch gave the batch.
        :param request: A built update model, or its fields by API name.
        :param fields: Fields (``to_add``, ``to_remove``, ``body``, ``send_at`` ...), merged over ``request``.
        """
        return self.get_conn().update_batch(batch_id, request, **fields)

    def replace_batch(
        self, batch_id: str, request: SinchBatchRequest | Mapping[str, Any] | None = None, **fields: Any
    ) -> SinchBatch:
        """Replace a batch as a whole (PUT ``/batches/{batch_id}``).

        :param batch_id: The id Sinch gave the batch.
        :param request: A built request model, or its fields by API name.
        :param fields: Batch fields, merged over ``request``.
        """
        return self.get_conn().replace_batch(batch_id, request, **fields)

    def cancel_batch(self, batch_id: str) -> SinchBatch:
        """Cancel a batch (DELETE ``/batches/{batch_id}``).

        :param batch_id: The id Sinch gave the batch.
        """
        return self.get_conn().cancel_batch(batch_id)

    def send_delivery_feedback(self, batch_id: str, recipients: Sequence[str]) -> None:
        """Report recipients that confirmed delivery (POST ``/batches/{batch_id}/delivery_feedback``).

        :param batch_id: The id Sinch gave the batch (sent with ``feedback_enabled``).
        :param recipients: E.164 numbers; an empty list means every recipient of the batch.
        """
        self.get_conn().send_delivery_feedback(batch_id, recipients)

    def get_delivery_report(
        self,
        batch_id: str,
        *,
        type: Literal["summary", "full"] = "summary",
        status: Sequence[str] | str | None = None,
        code: Sequence[int] | str | None = None,
        client_reference: str | None = None,
    ) -> SinchBatchDeliveryReport:
        """Return a batch's delivery report (GET ``/batches/{batch_id}/delivery_report``).

        :param batch_id: The id Sinch gave the batch.
        :param type: ``summary`` (counts per status) or ``full`` (also the recipients per status).
        :param status: Only these statuses.
        :param code: Only these delivery codes.
        :param client_reference: Only messages with this reference.
        """
        return self.get_conn().get_delivery_report(
            batch_id, type=type, status=status, code=code, client_reference=client_reference
        )

    def get_recipient_delivery_report(self, batch_id: str, recipient: str) -> SinchRecipientDeliveryReport:
        """Return one recipient's delivery report (GET ``/batches/{batch_id}/delivery_report/{recipient}``).

        :param batch_id: The id Sinch gave the batch.
        :param recipient: The recipient's E.164 number.
        """
        return self.get_conn().get_recipient_delivery_report(batch_id, recipient)

    def list_delivery_reports(self, **query: Any) -> Iterator[SinchRecipientDeliveryReport]:
        """Iterate every recipient delivery report matching the filters (GET ``/delivery_reports``).

        :param query: ``page``, ``page_size``, ``start_date``, ``end_date``, ``status``, ``code``,
            ``client_reference``.
        """
        return self.get_conn().list_delivery_reports(**query)

    def list_delivery_reports_page(self, **query: Any) -> SinchDeliveryReportListPage:
        """Return one page of recipient delivery reports (GET ``/delivery_reports``).

        :param query: Filters as in :meth:`list_delivery_reports`.
        """
        return self.get_conn().list_delivery_reports_page(**query)

    # -- inbound (MO) messages (models/inbound.py is imported on use: a send never needs it) ----------

    def list_inbounds(self, **query: Any) -> Iterator[InboundSms]:
        """Iterate every inbound message matching the filters, newest first, all pages (GET ``/inbounds``).

        :param query: ``page``, ``page_size`` (1-100), ``to`` (our numbers or short codes), ``start_date``,
            ``end_date``, ``client_reference``.
        """
        return (_inbound(message) for message in self.get_conn().list_inbounds(**query))

    def list_inbounds_page(self, **query: Any) -> SinchInboundListPage:
        """Return one page of inbound messages as Sinch sends it (GET ``/inbounds``).

        :param query: Filters as in :meth:`list_inbounds`.
        """
        return self.get_conn().list_inbounds_page(**query)

    def get_inbound(self, inbound_id: str) -> InboundSms:
        """Return one inbound message (GET ``/inbounds/{inbound_id}``).

        :param inbound_id: The id Sinch gave the message.
        """
        return _inbound(self.get_conn().get_inbound(inbound_id))

    def inbound_messages(self, to: str, since: datetime, until: datetime | None = None) -> list[InboundSms]:
        """Return the messages sent to ``to`` in ``[since, until)``, oldest first.

        :param to: Our number (E.164) or short code.
        :param since: Received at or after this aware time.
        :param until: Received before this time; no end when ``None``.
        """
        found = self.list_inbounds(to=[to], start_date=since, end_date=until, page_size=100)
        return sorted(found, key=lambda message: (message.received_at, message.id))

    # -- sending ----------------------------------------------------------------------------------------

    def max_chunk_size(self, *, individual: bool) -> int:
        """Return 1,000 recipients per batch, or 1 when each recipient has its own text (one batch each).

        :param individual: Whether each recipient has its own text.
        """
        return 1 if individual else SINCH_MAX_RECIPIENTS

    def vendor_option_names(self) -> frozenset[str]:
        """Return every batch field the engine does not set (``delivery_report``, ``flash_message`` ...)."""
        return frozenset(SinchTextBatchRequest.model_fields) - ENGINE_FIELDS

    def message_parts(self, text: str, options: SendOptions) -> int:
        """Return the parts of a message: 1 when ``truncate_concat`` cuts it to one part.

        :param text: The message's text.
        :param options: The send's options.
        """
        return 1 if options.vendor.get("truncate_concat") else super().message_parts(text, options)

    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        """Build the chunk's batch request, sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time ``expire_at`` is checked against.
        """
        self._batch_wire(chunk, options, now)

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        """Send the chunk as one batch whose ``client_reference`` is the chunk's key.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        batch = self.send_wire_batch(self._batch_wire(chunk, options, None))
        return SentChunk(key=chunk.key, batch_id=str(batch.id), accepted=len(batch.to))

    def find_chunk(self, key: str, since: datetime | None = None) -> SentChunk | None:
        """Return the batch sent with ``client_reference=key`` in the last 14 days, or ``None``.

        :param key: The chunk's idempotency key.
        :param since: Nothing with this key was sent before this time (less ``LOOKUP_CLOCK_SKEW``).
        """
        start = _lookup_start(since)
        batch = next(iter(self.get_conn().list_batches(client_reference=key, start_date=start)), None)
        if batch is None:
            return None
        return SentChunk(key=key, batch_id=str(batch.id), accepted=len(batch.to), found=True)

    def find_chunks(
        self, key_prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        """Return, by ``client_reference``, the batches whose reference starts with ``key_prefix``.

        ``GET /batches`` filters by an exact reference only, so it lists every batch created from ``since``
        (less ``LOOKUP_CLOCK_SKEW``; the 14-day list window without it), 100 a page. When the first page's
        ``count`` shows that the listing takes more pages than the send has keys, each key that page does
        not hold is looked up instead (:meth:`find_chunk`): at most ``1 + chunks`` requests in all.

        :param key_prefix: The start of the keys.
        :param since: Nothing with these keys was sent before this time.
        :param chunks: The keys are ``<key_prefix>0`` to ``<key_prefix><chunks - 1>``; ``None``: list.
        """
        start, size = _lookup_start(since), SINCH_MAX_PAGE_SIZE
        first = self.list_batches_page(start_date=start, page_size=size)
        found = _sent_by_reference(first.batches, key_prefix)
        total = first.count if "count" in first.model_fields_set else None  # how many batches it lists
        if chunks is not None and total is not None and total > chunks * size:  # more pages than keys
            for key in (f"{key_prefix}{number}" for number in range(chunks)):
                if key not in found and (sent := self.find_chunk(key, since)) is not None:
                    found[key] = sent
        elif not is_last_page(page=0, page_size=size, returned=len(first.batches), total=total):
            rest = self.list_batches(start_date=start, page_size=size, page=1)
            found = {**_sent_by_reference(rest, key_prefix), **found}  # a key's newest batch is listed first
        return found

    def preview_chunk(self, chunk: SendChunk, options: SendOptions) -> ChunkPreview:
        """Ask Sinch's dry run for the chunk's parts and per-recipient encodings.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        request = self._batch_request(chunk, options, None)
        result = self.get_conn().dry_run(
            request, per_recipient=True, number_of_recipients=len(chunk.recipients)
        )
        index_of = {r.to.lstrip("+"): i for i, r in enumerate(chunk.recipients)}
        messages = tuple(
            MessagePreview(
                index=index_of[str(item.recipient).lstrip("+")],
                parts=item.number_of_parts or 0,
                encoding=item.encoding or "unknown",
            )
            for item in result.per_recipient or ()
            if str(item.recipient).lstrip("+") in index_of
        )
        return ChunkPreview(
            recipients=result.number_of_recipients or 0,
            parts=result.number_of_messages or 0,
            messages=messages,
        )

    def _batch_wire(self, chunk: SendChunk, options: SendOptions, now: datetime | None) -> dict[str, Any]:
        """Return the chunk's batch request in wire form, every rule of the request model checked.

        Numbers the engine checked (``chunk.checked_numbers``) are not checked again: without ``parameters``
        the model is built with the first number only, and the others are put into its wire form.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time ``expire_at`` is checked against (``None``: now).
        """
        numbers = chunk.checked_numbers
        if not numbers or len(numbers) > SINCH_MAX_RECIPIENTS or "${" in (options.body or "${"):
            return self._batch_request(chunk, options, now).to_wire()
        head = SendChunk(chunk.number, chunk.key, (chunk.recipients[0],))
        return {**self._batch_request(head, options, now).to_wire(), "to": list(numbers)}

    def _batch_request(
        self, chunk: SendChunk, options: SendOptions, now: datetime | None
    ) -> SinchTextBatchRequest:
        individual = chunk.recipients[0].body is not None
        fields: dict[str, Any] = {
            **options.vendor,
            "to": [r.to for r in chunk.recipients],
            "from_": self._sender(options.from_),
            "body": chunk.recipients[0].body if individual else options.body,
            "client_reference": chunk.key,
            "send_at": options.send_at,
            "expire_at": options.expire_at,
        }
        if not individual:
            fields["parameters"] = _parameters(chunk, options)
        return SinchTextBatchRequest.build(
            {name: value for name, value in fields.items() if value is not None}, context=self._context(now)
        )

    def _sender(self, given: str | None) -> str | None:
        """Return a batch's sender: ``given``, else ``default_from``, else ``None`` for the plan's default.

        :param given: The request's own sender.
        :raises SmsValidationError: none is known and the connection does not say the service plan has a
            default originator.
        """
        sender = given or self.default_from
        if sender is None and not self.settings.has_default_originator:
            rule = (
                "Sinch needs a sender, else it aborts every message (code 410): pass from_, set "
                f"extra.default_from on connection {self.sms_conn_id!r}, or set "
                "extra.has_default_originator to true if the service plan has a default originator"
            )
            raise SmsValidationError([Problem("from_", "(missing)", rule)], subject="Sinch batch")
        return sender

    def _context(self, now: datetime | None) -> dict[str, Any]:
        """Return the validation context of request models: the time checked against, and plain http."""
        context: dict[str, Any] = {"allow_insecure_http": self.settings.allow_insecure_http}
        if now is not None:
            context["now"] = now
        return context

    # -- tracking ---------------------------------------------------------------------------------------

    def batch_status(self, batch_id: str) -> BatchStatus:
        """Return how many of a batch's messages are in each state (one summary delivery report).

        :param batch_id: The id Sinch gave the batch.
        """
        report = self.get_conn().get_delivery_report(batch_id, type="summary")
        counts = tuple(StatusCount(from_sinch(s.status, s.code), s.count) for s in report.statuses)
        return BatchStatus(batch_id, _total(report), counts)

    def recipient_states(
        self, batch_id: str, recipients: Collection[str] | None = None
    ) -> list[RecipientState]:
        """Return the state of each recipient's message (one full delivery report).

        :param batch_id: The id Sinch gave the batch.
        :param recipients: Only these E.164 numbers; every reported recipient when ``None``.
        """
        report = self.get_conn().get_delivery_report(batch_id, type="full")
        reported = [
            RecipientState(batch_id, number, from_sinch(entry.status, entry.code))
            for entry in report.statuses
            for number in entry.recipients or ()
        ]
        return only_recipients(batch_id, reported, recipients)

    def find_batches(self, key_prefix: str, since: datetime) -> list[KeyedBatch]:
        """Return the batches whose ``client_reference`` starts with ``key_prefix``, created since ``since``.

        ``GET /batches`` filters ``client_reference`` by exact value only, so the batches created since
        ``since`` (at most Sinch's 14-day list window) are listed and kept by their prefix.

        :param key_prefix: The start of the ``client_reference``.
        :param since: Nothing wanted was created before this time.
        """
        now = datetime.now(timezone.utc)
        start = max(since, now - SINCH_LIST_WINDOW + timedelta(minutes=5))
        return [
            KeyedBatch(str(batch.client_reference), str(batch.id), tuple(_e164(n) for n in batch.to))
            for batch in self.get_conn().list_batches(start_date=start, page_size=100)
            if batch.id and batch.client_reference and batch.client_reference.startswith(key_prefix)
        ]

    # -- changing batches already sent ------------------------------------------------------------------

    def plan_replace(self, batch_ids: list[str], fields: Mapping[str, Any]) -> list[PlannedChange]:
        """Read each batch and validate its replacement: the given fields over what the batch keeps.

        A replacement is a whole new batch under the same id. So that replacing the text of a scheduled
        campaign neither sends it at once nor loses its recipients, fields left out are taken from the batch:
        :data:`KEPT_FIELDS` (``from_`` else the connection's default sender), and ``send_at`` while ahead.

        :param batch_ids: The batches.
        :param fields: The given fields (``body``, ``to``, ``from_``, ``parameters``, ``send_at`` ...).
        :raises SmsValidationError: a replacement breaks a rule, or ``to`` names several batches.
        """
        given = _given(fields, numbers=("to",))
        now = datetime.now(timezone.utc)
        if "to" in given:
            shown = f"<{len(given['to'])} numbers>" if isinstance(given["to"], list) else "(hidden)"
            _at_most_one_batch("to", shown, batch_ids, "every batch would message the same recipients")
        # Nothing is read before the given fields pass (recipients the batch keeps stand in for a missing to).
        SinchTextBatchRequest.build({"to": [STAND_IN_RECIPIENT], **given}, context=self._context(now))
        changes = []
        for batch_id in batch_ids:
            batch = self.get_batch(batch_id)
            kept: dict[str, Any] = {
                name: getattr(batch, name) for name in KEPT_FIELDS if getattr(batch, name) is not None
            }
            if batch.to:
                kept["to"] = [_e164(number) for number in batch.to]
            kept["from_"] = self._sender(given.get("from_") or kept.get("from_"))
            if batch.send_at is not None and batch.send_at > now:
                kept["send_at"] = batch.send_at
            merged = {name: value for name, value in {**kept, **given}.items() if value is not None}
            request = SinchTextBatchRequest.build(merged, context=self._context(now))
            changes.append(PlannedChange(batch_id, "replace", request))
        return changes

    def plan_update(self, batch_ids: list[str], fields: Mapping[str, Any]) -> list[PlannedChange]:
        """Validate the changes once; only the fields given change.

        :param batch_ids: The batches.
        :param fields: ``to_add``, ``to_remove``, ``body``, ``from_``, ``send_at``, ``expire_at``,
            ``delivery_report``, ``callback_url``, ``parameters``.
        :raises SmsValidationError: a change breaks a rule, or ``to_add`` names several batches.
        """
        given = _given(fields, numbers=("to_add", "to_remove"))
        request = SinchUpdateBatchRequest.build(given, context=self._context(datetime.now(timezone.utc)))
        if request.to_add is not None:
            shown = f"<{len(request.to_add)} numbers>"
            _at_most_one_batch("to_add", shown, batch_ids, "every batch would message the added numbers")
        return [PlannedChange(batch_id, "update", request) for batch_id in batch_ids]

    def plan_cancel(self, batch_ids: list[str]) -> list[PlannedChange]:
        """Cancel each batch in turn; nothing to validate beyond the batch ids.

        :param batch_ids: The batches.
        """
        return [PlannedChange(batch_id, "cancel") for batch_id in batch_ids]

    def plan_feedback(self, batch_ids: list[str], recipients: object) -> list[PlannedChange]:
        """Check the numbers, read the batches, and assign each number to the batch that holds it.

        :param batch_ids: The batches the numbers belong to.
        :param recipients: Numbers that confirmed delivery; empty for every recipient of every batch.
        :raises SmsValidationError: a number is not E.164 or not a recipient of any batch, or a batch was
            sent without ``feedback_enabled``.
        """
        subject = "delivery feedback"
        numbers = SinchDeliveryFeedbackRequest.build(recipients=_number_list(recipients or [])).recipients
        batches = {batch_id: self.get_batch(batch_id) for batch_id in batch_ids}
        problems = [
            Problem(f"batch_id[{position}]", repr(batch_id), "the batch was sent without feedback_enabled")
            for position, (batch_id, batch) in enumerate(batches.items())
            if batch.feedback_enabled is False
        ]
        if problems:
            raise SmsValidationError(problems, subject=subject)
        if not numbers:
            return [PlannedChange(batch_id, "feedback", []) for batch_id in batch_ids]
        holder = {_e164(number): batch_id for batch_id, batch in batches.items() for number in batch.to}
        assigned: dict[str, list[str]] = {batch_id: [] for batch_id in batches}
        for position, number in enumerate(numbers):
            if number in holder:
                assigned[holder[number]].append(number)
            else:
                rule = "is not a recipient of " + ("the batch" if len(batches) == 1 else "any of the batches")
                problems.append(Problem(f"recipients[{position}]", mask_msisdn(number), rule))
        if problems:
            raise SmsValidationError(problems, subject=subject)
        return [PlannedChange(batch_id, "feedback", found) for batch_id, found in assigned.items() if found]

    def apply_change(self, change: PlannedChange) -> dict[str, Any]:
        """Make a planned change and return its outcome.

        :param change: From one of the ``plan_*`` methods.
        """
        try:
            if change.action == "replace":
                assert isinstance(change.request, SinchTextBatchRequest)
                batch = self.replace_batch(change.batch_id, change.request)
                return {"outcome": "replaced", "recipients": len(batch.to)}
            if change.action == "update":
                assert isinstance(change.request, SinchUpdateBatchRequest)
                batch = self.update_batch(change.batch_id, change.request)
                return {"outcome": "updated", "recipients": len(batch.to)}
        except SmsForbiddenError as exc:
            if exc.code != ALREADY_DISPATCHED:
                raise
            raise SmsRefusedError(
                f"Sinch batch {change.batch_id} was already dispatched or cancelled and can no longer be "
                f"changed ({exc})"
            ) from exc
        if change.action == "feedback":
            numbers = list(change.request) if isinstance(change.request, list) else []
            self.send_delivery_feedback(change.batch_id, numbers)
            return {"outcome": "reported", "recipients": len(numbers) or "all"}
        if change.action == "cancel":
            return self._cancel(change.batch_id)
        return super().apply_change(change)

    def _cancel(self, batch_id: str) -> dict[str, Any]:
        """Cancel a batch and say, from its delivery report, how many messages were cancelled.

        Sinch answers the cancel of a batch that has already gone out without an error, so the report tells.
        """
        self.cancel_batch(batch_id)
        report = self.get_delivery_report(batch_id, type="summary")
        cancelled = 0
        not_cancelled: Counter[str] = Counter()
        for entry in report.statuses:
            if from_sinch(entry.status, entry.code).status is NeutralStatus.CANCELLED:
                cancelled += entry.count
            else:
                not_cancelled[entry.status] += entry.count
        messages = report.total_message_count or cancelled + sum(not_cancelled.values())
        outcome = CANCELLED if not not_cancelled else PARTLY_CANCELLED if cancelled else ALREADY_FINAL
        return {
            "outcome": outcome,
            "messages": messages,
            "cancelled": cancelled,
            "not_cancelled": dict(sorted(not_cancelled.items())),
        }


def _inbound(message: SinchInbound) -> InboundSms:
    """Return a Sinch inbound message in neutral form (``client_reference`` is what it answers)."""
    from airflow_provider_sms.models.inbound import InboundSms, msisdn

    return InboundSms(
        vendor="sinch",
        id=message.id,
        from_number=msisdn(message.from_),
        to_number=msisdn(message.to),
        body=message.body or "",
        received_at=message.received_at,
        in_reply_to=message.client_reference,
    )


def _parameters(chunk: SendChunk, options: SendOptions) -> dict[str, dict[str, str]] | None:
    """Return the ``parameters`` of the keys the body uses: each recipient's own value and the default."""
    used = set(PLACEHOLDER_PATTERN.findall(options.body or ""))
    parameters: dict[str, dict[str, str]] = {}
    for key in sorted(used):
        values = {r.to: r.values[key] for r in chunk.recipients if key in r.values}
        if key in options.defaults:
            values["default"] = options.defaults[key]
        if values:
            parameters[key] = values
    return parameters or None


def _total(report: SinchBatchDeliveryReport) -> int:
    listed = sum(s.count for s in report.statuses)
    return listed if report.total_message_count is None else max(report.total_message_count, listed)


def _e164(number: str) -> str:
    """Return a number Sinch returned in E.164 form (Sinch may leave out the ``+``)."""
    digits = str(number).strip()
    return digits if digits.startswith("+") else f"+{digits}"


def _number_list(numbers: object) -> object:
    """Return numbers as a list; an int (a native template render dropped the ``+``) gets its ``+`` back.

    Anything else is returned as it is, for the request model to reject with a named error.
    """
    if isinstance(numbers, (str, int)) and not isinstance(numbers, bool):
        numbers = [numbers]
    if isinstance(numbers, (list, tuple)):
        return [f"+{n}" if isinstance(n, int) and not isinstance(n, bool) else n for n in numbers]
    return numbers


def _given(fields: Mapping[str, Any], numbers: Sequence[str]) -> dict[str, Any]:
    given = {name: value for name, value in fields.items() if value is not None}
    reference = given.get("client_reference")
    if isinstance(reference, int) and not isinstance(reference, bool):
        given["client_reference"] = str(reference)  # a native template render made a number of it
    for name in numbers:
        if name in given:
            given[name] = _number_list(given[name])
    return given


def _at_most_one_batch(field_name: str, shown: str, batch_ids: Sequence[str], why: str) -> None:
    if len(batch_ids) > 1:
        rule = f"applies to one batch only, but {len(batch_ids)} batches were given: {why}"
        raise SmsValidationError([Problem(field_name, shown, rule)], subject="batch arguments")


def _sent_by_reference(batches: Iterable[SinchBatch], key_prefix: str) -> dict[str, SentChunk]:
    """Return, by ``client_reference``, the first batch with each key starting with ``key_prefix``."""
    found: dict[str, SentChunk] = {}
    for batch in batches:
        key = batch.client_reference
        if batch.id and key and key.startswith(key_prefix) and key not in found:
            found[key] = SentChunk(key=key, batch_id=str(batch.id), accepted=len(batch.to), found=True)
    return found


def _lookup_start(since: datetime | None) -> datetime:
    """Return where a look-up lists from: ``since`` less ``LOOKUP_CLOCK_SKEW``, within the list window."""
    start = datetime.now(timezone.utc) - SINCH_LIST_WINDOW
    return start if since is None else max(start, since - LOOKUP_CLOCK_SKEW)
