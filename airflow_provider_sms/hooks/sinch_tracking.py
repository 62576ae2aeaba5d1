"""Sinch implementation of the neutral tracking operations."""

from __future__ import annotations

from airflow_provider_sms.hooks.tracking import TrackingOperations


class SinchTracking(TrackingOperations):
    """Read batch and recipient states through the Sinch API."""
