"""Response bodies: batches, batch delivery reports (summary, full) and recipient delivery reports."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any

from airflow_provider_sms.sandbox.sinch.state import Batch, RecipientState

BATCH_REPORT_TYPE = "delivery_report_sms"
RECIPIENT_REPORT_TYPE = "recipient_delivery_report_sms"


def iso(moment: datetime) -> str:
    """Format a time the way Sinch does: ``YYYY-MM-DDThh:mm:ss.SSSZ`` in UTC.

    :param moment: An aware datetime.
    """
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def batch_json(batch: Batch) -> dict[str, Any]:
    """Return a batch as Sinch serves it (send, get, list, update, replace, cancel).

    :param batch: The batch.
    """
    data = batch.content.to_json()
    data.update(
        id=batch.id,
        send_at=iso(batch.dispatch_at),
        expire_at=iso(batch.expires_at),
        created_at=iso(batch.created_at),
        modified_at=iso(batch.modified_at),
        canceled=batch.canceled,
    )
    return data


def batch_report(
    batch: Batch,
    *,
    full: bool,
    statuses: Collection[str] = (),
    codes: Collection[int] = (),
) -> dict[str, Any]:
    """Return a ``delivery_report_sms``: a count per (status, code), with recipients when ``full``.

    :param batch: The batch.
    :param full: Whether to list the recipients of each status.
    :param statuses: Only these statuses (all when empty).
    :param codes: Only these codes (all when empty).
    """
    groups: dict[tuple[str, int], list[str]] = {}
    for recipient in batch.recipients.values():
        if statuses and recipient.status not in statuses:
            continue
        if codes and recipient.code not in codes:
            continue
        groups.setdefault((recipient.status, recipient.code), []).append(recipient.msisdn)
    entries = []
    for (status, code), numbers in sorted(groups.items(), key=lambda item: item[0][1]):
        entry: dict[str, Any] = {"code": code, "status": status, "count": len(numbers)}
        if full:
            entry["recipients"] = numbers
        entries.append(entry)
    report: dict[str, Any] = {
        "type": BATCH_REPORT_TYPE,
        "batch_id": batch.id,
        "total_message_count": len(batch.recipients),
        "statuses": entries,
    }
    if batch.content.client_reference is not None:
        report["client_reference"] = batch.content.client_reference
    return report


def recipient_report(batch: Batch, recipient: RecipientState) -> dict[str, Any]:
    """Return a ``recipient_delivery_report_sms`` for one recipient.

    :param batch: The batch.
    :param recipient: The recipient's state.
    """
    report: dict[str, Any] = {
        "type": RECIPIENT_REPORT_TYPE,
        "batch_id": batch.id,
        "recipient": recipient.msisdn,
        "code": recipient.code,
        "status": recipient.status,
        "at": iso(recipient.at),
    }
    if recipient.dispatched_at is not None:
        report["operator_status_at"] = iso(recipient.at)
    if batch.content.client_reference is not None:
        report["client_reference"] = batch.content.client_reference
    if recipient.encoding is not None and recipient.body is not None:
        report["encoding"] = recipient.encoding
    if batch.content.max_number_of_message_parts is not None and recipient.parts:
        report["number_of_message_parts"] = recipient.parts
    return report
