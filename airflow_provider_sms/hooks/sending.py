"""Vendor-neutral sending operations of every SMS hook (used by the send and dry-run operators).

Each vendor implements them in ``hooks/<vendor>_sending.py``.
"""

from __future__ import annotations


class SendingOperations:
    """Neutral operations to send, find again and preview one vendor-sized request of a campaign."""
