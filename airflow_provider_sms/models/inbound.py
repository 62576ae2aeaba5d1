"""Inbound (MO) SMS in neutral form, and the Airflow asset URI of the messages to one of our numbers.

Both delivery paths of inbound messages, the polling trigger and the webhook receiver, turn a vendor's
message into :class:`InboundSms` and hand Airflow :meth:`InboundSms.to_payload` as the asset event's
payload, so a DAG cannot tell the paths apart. No Airflow import here: the webhook receiver and the
clients' callers share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.sms import mask_msisdn

#: The vendors that deliver inbound messages, as they appear in asset URIs and payloads.
INBOUND_VENDORS = ("sinch", "fonedynamics")
#: A phone number (E.164 with or without ``+``), short code or alphanumeric name in an asset URI.
_URI_NUMBER = re.compile(r"^\+?[A-Za-z0-9]{3,15}\Z")
#: Digits this long are a phone number whose ``+`` the vendor left out, not a short code.
_MIN_MSISDN_DIGITS = 7


def inbound_asset_uri(vendor: str, number: str) -> str:
    """Return the asset URI of the inbound messages to one of our numbers: ``sms://<vendor>/<digits>/inbound``.

    :param vendor: ``sinch`` or ``fonedynamics``.
    :param number: The receiving number in E.164 (``+`` optional), or a short code or name (lower-cased).
    :raises SmsValidationError: naming the bad argument, its value (masked) and the rule.
    """
    problems: list[Problem] = []
    if vendor not in INBOUND_VENDORS:
        problems.append(Problem("vendor", repr(vendor), f"must be one of {', '.join(INBOUND_VENDORS)}"))
    if not isinstance(number, str) or not _URI_NUMBER.match(number.strip()):
        rule = "must be a phone number in E.164, a short code or a name: 3 to 15 letters or digits"
        problems.append(Problem("number", mask_msisdn(number), rule))
    if problems:
        raise SmsValidationError(problems, subject="inbound asset URI", consequence="no asset was named")
    return f"sms://{vendor}/{number.strip().lstrip('+').lower()}/inbound"


def msisdn(value: str) -> str:
    """Return a vendor's number with its ``+``: digits-only numbers of 7 or more digits get one back.

    Short codes and names are returned as given; so are numbers that already have the ``+``.

    :param value: The number as the vendor sent it.
    """
    text = value.strip()
    return "+" + text if text.isdigit() and len(text) >= _MIN_MSISDN_DIGITS else text


def utc_seconds(value: datetime) -> str:
    """Return an aware time as ISO-8601 UTC at seconds precision with ``Z``: ``2026-11-27T10:00:00Z``.

    :param value: The time; a naive one is taken as UTC.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class InboundSms:
    """One SMS a handset sent to one of our numbers.

    :param vendor: ``sinch`` or ``fonedynamics``.
    :param id: The vendor's id of the inbound message (unique per vendor).
    :param from_number: The handset's number, E.164.
    :param to_number: Our number (E.164), short code or leased number it was sent to.
    :param body: The text.
    :param received_at: When the vendor received it, aware UTC.
    :param in_reply_to: The ``client_reference`` (Sinch) or ``ExternalId`` (Fone Dynamics) of the outbound
        message it answers, where the vendor gives one.
    """

    vendor: str
    id: str
    from_number: str
    to_number: str
    body: str
    received_at: datetime
    in_reply_to: str | None = None

    def __repr__(self) -> str:
        return (
            f"InboundSms(vendor={self.vendor!r}, id={self.id!r}, "
            f"from_number={mask_msisdn(self.from_number)!r}, "
            f"to_number={mask_msisdn(self.to_number)!r}, body=<{len(self.body)} chars>, "
            f"received_at={utc_seconds(self.received_at)!r}, in_reply_to={self.in_reply_to!r})"
        )

    def to_payload(self) -> dict[str, Any]:
        """Return the asset event payload both inbound paths store (plain JSON, every key present)."""
        return {
            "kind": "inbound",
            "vendor": self.vendor,
            "id": self.id,
            "from": self.from_number,
            "to": self.to_number,
            "body": self.body,
            "received_at": utc_seconds(self.received_at),
            "in_reply_to": self.in_reply_to,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> InboundSms:
        """Rebuild a message from :meth:`to_payload` (for example from an asset event's ``extra``).

        :param payload: The payload.
        :raises SmsValidationError: it is not an inbound payload.
        """
        problems = [
            Problem(key, "(missing)", "is required in an inbound payload")
            for key in ("vendor", "id", "from", "to", "body", "received_at")
            if not isinstance(payload.get(key), str)
        ]
        if payload.get("kind") != "inbound":
            problems.append(Problem("kind", repr(payload.get("kind")), "must be 'inbound'"))
        if problems:
            raise SmsValidationError(problems, subject="inbound payload", consequence="no message was read")
        received_at = datetime.fromisoformat(payload["received_at"].replace("Z", "+00:00"))
        return cls(
            vendor=payload["vendor"],
            id=payload["id"],
            from_number=payload["from"],
            to_number=payload["to"],
            body=payload["body"],
            received_at=received_at,
            in_reply_to=payload.get("in_reply_to"),
        )
