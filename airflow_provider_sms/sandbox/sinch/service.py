"""The Sinch sandbox's behaviour behind the HTTP routes: batches, reports, callbacks, persistence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.sandbox.sinch import auth
from airflow_provider_sms.sandbox.sinch.content import apply_update, parse_content, require_object
from airflow_provider_sms.sandbox.sinch.due import DueIndex
from airflow_provider_sms.sandbox.sinch.errors import (
    ALREADY_DISPATCHED,
    FEEDBACK_NOT_ENABLED,
    SinchApiError,
    constraint_violation,
    not_found,
)
from airflow_provider_sms.sandbox.sinch.fields import check_msisdn_list, same_number
from airflow_provider_sms.sandbox.sinch.final_reports import FinalReports
from airflow_provider_sms.sandbox.sinch.lifecycle import StatusChange, advance, cancel, next_change_at
from airflow_provider_sms.sandbox.sinch.persistence import SinchPersistence
from airflow_provider_sms.sandbox.sinch.queries import (
    query_bool,
    query_codes,
    query_csv,
    query_int,
    query_page,
    query_statuses,
    query_window,
)
from airflow_provider_sms.sandbox.sinch.rendering import render
from airflow_provider_sms.sandbox.sinch.reports import batch_json, batch_report, recipient_report
from airflow_provider_sms.sandbox.sinch.state import (
    Batch,
    RecipientState,
    SinchState,
    new_batch_id,
    queued_recipients,
)

if TYPE_CHECKING:
    from airflow_provider_sms.sandbox.context import SandboxContext

LIST_WINDOW = timedelta(days=14)
MAX_DRY_RUN_RECIPIENTS = 1000


class SinchService:
    """Sinch XMS behaviour over the sandbox context; call every method with ``ctx.lock`` held.

    :param ctx: The running sandbox's shared context.
    """

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        config = ctx.config
        self.credentials = auth.Credentials(
            service_plan_id=config.sinch_service_plan_id,
            api_token=config.sinch_api_token,
            project_id=config.sinch_project_id,
            key_id=config.sinch_key_id,
            key_secret=config.sinch_key_secret,
            token_ttl=config.sinch_token_ttl,
        )
        self.persistence = SinchPersistence(ctx.store)
        self.state = self.persistence.load()
        self.due = DueIndex()
        self.final_reports = FinalReports()
        for batch in self.state.batches.values():
            self._schedule(batch)
        ctx.add_ticker(self.tick)
        ctx.add_reset_hook(self.reset)

    def _schedule(self, batch: Batch) -> None:
        self.due.set(batch.id, next_change_at(batch, self.ctx.config.delivery_delay, self.ctx.outcome))

    def save(self) -> None:
        """Persist what changed since the last save (see :mod:`~.persistence`)."""
        self.persistence.save(self.state)

    def reset(self) -> None:
        """Forget every batch and token."""
        self.state = SinchState()
        self.due.clear()
        self.persistence.forget()
        self.final_reports.changed()

    # --- time -------------------------------------------------------------------------------------

    def tick(self, now: datetime) -> None:
        """Move the batches with a change due along to ``now``: dispatch, receipts, expiry, callbacks.

        :param now: Sandbox time.
        """
        for batch_id in self.due.take_due(now):
            batch = self.state.batches[batch_id]
            changes = advance(batch, now, self.ctx.config.delivery_delay, self.ctx.outcome)
            self._publish(batch, changes)
            self._schedule(batch)
            if changes:
                self.persistence.batch_changed(batch_id)
        self.save()

    def _publish(self, batch: Batch, changes: list[StatusChange]) -> None:
        if changes:
            self.final_reports.changed()
        content = batch.content
        for change in changes:
            recipient = change.recipient
            self.ctx.count(f"sinch.messages_{recipient.status.lower()}")
            if recipient.status == "Delivered":
                self.ctx.inbox.deliver(
                    recipient.msisdn,
                    body=recipient.body or "",
                    sender=content.sender or "",
                    vendor="sinch",
                    message_id=batch.id,
                    batch_id=batch.id,
                )
            wanted = content.delivery_report == "per_recipient" or (
                content.delivery_report == "per_recipient_final" and recipient.final
            )
            if wanted and content.callback_url:
                self.ctx.callbacks.enqueue(content.callback_url, recipient_report(batch, recipient))
        summary_type = content.delivery_report in ("summary", "full")
        if changes and summary_type and content.callback_url and not batch.summary_sent and batch.all_final():
            batch.summary_sent = True
            report = batch_report(batch, full=content.delivery_report == "full")
            self.ctx.callbacks.enqueue(content.callback_url, report)

    # --- auth -------------------------------------------------------------------------------------

    def authenticate(self, path_id: str, authorization: str | None) -> None:
        """Accept a vendor API request or raise a 401.

        :param path_id: The service plan or project id from the path.
        :param authorization: The ``Authorization`` header.
        """
        auth.check_bearer(self.credentials, self.state.tokens, path_id, authorization, self.ctx.clock.now())

    def issue_token(self, authorization: str | None, content_type: str, body: bytes) -> dict[str, object]:
        """Answer ``POST /oauth2/token``.

        :param authorization: HTTP Basic header with key id and key secret.
        :param content_type: Request content type.
        :param body: Raw form body.
        """
        token = auth.issue_token(
            self.credentials, self.state.tokens, authorization, content_type, body, self.ctx.clock.now()
        )
        self.ctx.count("sinch.tokens_issued")
        self.persistence.tokens_changed()
        self.save()
        return token

    # --- batches ----------------------------------------------------------------------------------

    def get(self, batch_id: str) -> Batch:
        """Return a batch or raise 404.

        :param batch_id: Batch id from the path.
        """
        batch = self.state.batches.get(batch_id)
        if batch is None:
            raise not_found(f"batch {batch_id!r}")
        return batch

    def batch(self, batch_id: str) -> dict[str, Any]:
        """Answer ``GET /batches/{id}``.

        :param batch_id: Batch id from the path.
        """
        return batch_json(self.get(batch_id))

    def _after_change(self, batch: Batch, *, new: bool = False) -> dict[str, Any]:
        self.persistence.batch_changed(batch.id, new=new)
        self.final_reports.changed()
        self._schedule(batch)
        self.tick(self.ctx.clock.now())
        return batch_json(batch)

    def create(self, data: Any) -> dict[str, Any]:
        """Send or schedule a batch (``POST /batches``) and return it.

        :param data: Decoded JSON body.
        """
        now = self.ctx.clock.now()
        content = parse_content(require_object(data), now)
        batch = Batch(
            id=new_batch_id(now, self.ctx.rng),
            content=content,
            created_at=now,
            modified_at=now,
            submitted_at=now,
            recipients=queued_recipients(content.to, now),
        )
        self.state.batches[batch.id] = batch
        self.ctx.count("sinch.batches_created")
        return self._after_change(batch, new=True)

    def _pending(self, batch_id: str) -> Batch:
        batch = self.get(batch_id)
        if batch.dispatched or batch.canceled:
            state = "cancelled" if batch.canceled else "dispatched"
            raise SinchApiError(403, ALREADY_DISPATCHED, f"batch {batch_id!r} was already {state}")
        return batch

    def update(self, batch_id: str, data: Any) -> dict[str, Any]:
        """Change a batch not yet dispatched (``POST /batches/{id}``) and return it.

        :param batch_id: Batch id.
        :param data: Decoded JSON body: ``to_add``, ``to_remove`` and fields to change.
        """
        batch = self._pending(batch_id)
        now = self.ctx.clock.now()
        batch.content = apply_update(batch.content, require_object(data), now)
        fresh = queued_recipients(batch.content.to, now)
        batch.recipients = {number: batch.recipients.get(number, state) for number, state in fresh.items()}
        batch.modified_at = now
        return self._after_change(batch)

    def replace(self, batch_id: str, data: Any) -> dict[str, Any]:
        """Replace a batch not yet dispatched (``PUT /batches/{id}``), keeping its id, and return it.

        :param batch_id: Batch id.
        :param data: Decoded JSON body, as for a send.
        """
        batch = self._pending(batch_id)
        now = self.ctx.clock.now()
        batch.content = parse_content(require_object(data), now)
        batch.recipients = queued_recipients(batch.content.to, now)
        batch.submitted_at = batch.modified_at = now
        batch.summary_sent = False
        return self._after_change(batch)

    def cancel(self, batch_id: str) -> dict[str, Any]:
        """Cancel a batch (``DELETE /batches/{id}``); only messages not yet dispatched are cancelled.

        :param batch_id: Batch id.
        """
        batch = self.get(batch_id)
        self._publish(batch, cancel(batch, self.ctx.clock.now()))
        self.ctx.count("sinch.batches_cancelled")
        self._schedule(batch)
        self.persistence.batch_changed(batch_id)
        self.save()
        return batch_json(batch)

    def feedback(self, batch_id: str, data: Any) -> None:
        """Record delivery feedback (``POST /batches/{id}/delivery_feedback``).

        :param batch_id: Batch id.
        :param data: Decoded JSON body ``{"recipients": [...]}``; an empty list means every recipient.
        """
        batch = self.get(batch_id)
        body = require_object(data)
        if "recipients" not in body:
            raise constraint_violation("recipients", "is required (it may be an empty list)")
        numbers = check_msisdn_list(
            "recipients", body["recipients"], min_items=0, max_items=len(batch.recipients)
        )
        if not batch.content.feedback_enabled:
            raise SinchApiError(
                403, FEEDBACK_NOT_ENABLED, f"batch {batch_id!r} was sent without feedback_enabled"
            )
        chosen: list[RecipientState] = []
        for position, number in enumerate(numbers):
            recipient = batch.find_recipient(number)
            if recipient is None:
                raise constraint_violation(f"recipients[{position}]", "is not a recipient of this batch")
            chosen.append(recipient)
        now = self.ctx.clock.now()
        for recipient in chosen or list(batch.recipients.values()):
            recipient.feedback_at = now
        self.ctx.count("sinch.delivery_feedback")
        self.persistence.batch_changed(batch_id)
        self.save()

    def list_batches(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List batches of the last 14 days, newest first (``GET /batches``).

        :param query: ``page``, ``page_size``, ``from``, ``start_date``, ``end_date``, ``client_reference``.
        """
        now = self.ctx.clock.now()
        page, window = query_page(query), query_window(query, now)
        senders = query_csv(query, "from")
        reference = query.get("client_reference")
        found = [
            batch
            for batch in reversed(self.state.batches.values())
            if batch.created_at >= now - LIST_WINDOW
            and window.contains(batch.created_at)
            and (not senders or any(same_number(batch.content.sender or "", s) for s in senders))
            and (reference is None or batch.content.client_reference == reference)
        ]
        return page.envelope(found, "batches", batch_json)

    def dry_run(self, data: Any, query: Mapping[str, str]) -> dict[str, Any]:
        """Count bodies and parts without sending (``POST /batches/dry_run``).

        :param data: Decoded JSON body, as for a send.
        :param query: ``per_recipient`` and ``number_of_recipients``.
        """
        per_recipient = query_bool(query, "per_recipient")
        limit = query_int(query, "number_of_recipients", 100, 0, MAX_DRY_RUN_RECIPIENTS)
        content = parse_content(require_object(data), self.ctx.clock.now())
        messages = [render(content, number) for number in content.to]
        sendable = [m for m in messages if m.body is not None and (m.aborted is None or m.aborted[1] == 410)]
        result: dict[str, Any] = {
            "number_of_recipients": len(content.to),
            "number_of_messages": sum(m.parts for m in sendable),
        }
        if per_recipient:
            result["per_recipient"] = [
                {"recipient": m.recipient, "number_of_parts": m.parts, "body": m.body, "encoding": m.encoding}
                for m in sendable[:limit]
            ]
        self.ctx.count("sinch.dry_runs")
        return result

    # --- delivery reports -------------------------------------------------------------------------

    def batch_delivery_report(self, batch_id: str, query: Mapping[str, str]) -> dict[str, Any]:
        """Answer ``GET /batches/{id}/delivery_report``.

        :param batch_id: Batch id.
        :param query: ``type`` (summary or full), ``status`` and ``code`` comma filters.
        """
        batch = self.get(batch_id)
        report_type = query.get("type", "summary")
        if report_type not in ("summary", "full"):
            raise not_found(f"delivery report type {report_type!r}")
        return batch_report(
            batch, full=report_type == "full", statuses=query_statuses(query), codes=query_codes(query)
        )

    def recipient_delivery_report(self, batch_id: str, msisdn: str) -> dict[str, Any]:
        """Answer ``GET /batches/{id}/delivery_report/{msisdn}``; 404 if not a recipient.

        :param batch_id: Batch id.
        :param msisdn: Recipient number, with or without ``+``.
        """
        batch = self.get(batch_id)
        recipient = batch.find_recipient(msisdn)
        if recipient is None:
            raise not_found(f"recipient of batch {batch_id!r}")
        return recipient_report(batch, recipient)

    def list_delivery_reports(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List final recipient reports, newest first (``GET /delivery_reports``).

        :param query: ``page``, ``page_size``, ``start_date``, ``end_date``, ``status``, ``code``,
            ``client_reference``.
        """
        now = self.ctx.clock.now()
        page, window = query_page(query), query_window(query, now)
        statuses, codes = query_statuses(query), query_codes(query)
        reference = query.get("client_reference")
        matching = self.final_reports.matching(self.state.batches.values(), reference, statuses, codes)
        found = [pair for pair in matching if window.contains(pair[1].at)]
        return page.envelope(found, "delivery_reports", lambda pair: recipient_report(*pair))
