"""One status vocabulary for both vendors: each vendor status maps onto a neutral status and a final flag.

The vendor's own status and code are kept alongside. ``models/sms.py`` re-exports these names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class NeutralStatus(str, enum.Enum):
    """Vendor-neutral message status."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class MessageState:
    """A message's status in both vocabularies.

    :param status: The neutral status.
    :param final: Whether the status can no longer change.
    :param vendor_status: The vendor's status, as the vendor spelled it.
    :param vendor_code: The vendor's detail code (Sinch numeric code, Fone Dynamics ``ErrorCode``).
    """

    status: NeutralStatus
    final: bool
    vendor_status: str
    vendor_code: int | str | None = None


_SINCH: dict[str, tuple[NeutralStatus, bool]] = {
    "queued": (NeutralStatus.PENDING, False),
    "dispatched": (NeutralStatus.SENT, False),
    "delivered": (NeutralStatus.DELIVERED, True),
    "failed": (NeutralStatus.FAILED, True),
    "rejected": (NeutralStatus.FAILED, True),
    "aborted": (NeutralStatus.FAILED, True),
    "deleted": (NeutralStatus.FAILED, True),
    "expired": (NeutralStatus.EXPIRED, True),
    "cancelled": (NeutralStatus.CANCELLED, True),
    "unknown": (NeutralStatus.UNKNOWN, True),
}

_FONEDYNAMICS: dict[str, tuple[NeutralStatus, bool]] = {
    "processing": (NeutralStatus.PENDING, False),
    "submitted": (NeutralStatus.SENT, False),
    "delivered": (NeutralStatus.DELIVERED, True),
    "failed": (NeutralStatus.FAILED, True),
    # Inbound messages: nothing was sent by us, and the status never changes.
    "received": (NeutralStatus.UNKNOWN, True),
}


def from_sinch(status: str, code: int | None = None) -> MessageState:
    """Map a Sinch delivery status (``Queued`` … ``Unknown``, any case) and code.

    Sinch code 407 means cancelled by the user even where older docs say ``Aborted``. A status this
    module does not know is ``unknown`` and not final, so that waiting code keeps watching it.
    """
    neutral, final = _SINCH.get(status.strip().lower(), (NeutralStatus.UNKNOWN, False))
    if code == 407:
        neutral, final = NeutralStatus.CANCELLED, True
    return MessageState(neutral, final, status, code)


def from_fonedynamics(
    status: str, error_code: str | None = None, *, delivery_receipt: bool | None = True
) -> MessageState:
    """Map a Fone Dynamics message status.

    :param status: ``Processing``, ``Submitted``, ``Delivered``, ``Failed`` or ``Received``.
    :param error_code: The message's ``ErrorCode``, kept as the vendor code when not blank.
    :param delivery_receipt: Whether a receipt was requested; without one, ``Submitted`` is the last
        status the message will ever reach, so it counts as final.
    """
    neutral, final = _FONEDYNAMICS.get(status.strip().lower(), (NeutralStatus.UNKNOWN, False))
    if neutral is NeutralStatus.SENT and delivery_receipt is False:
        final = True
    return MessageState(neutral, final, status, error_code or None)
