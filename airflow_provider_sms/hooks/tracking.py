"""Vendor-neutral tracking operations of every SMS hook (used by sensors, triggers and operators).

Each vendor implements them in ``hooks/<vendor>_tracking.py``.
"""

from __future__ import annotations


class TrackingOperations:
    """Neutral operations to read the state of a batch and of its recipients."""
