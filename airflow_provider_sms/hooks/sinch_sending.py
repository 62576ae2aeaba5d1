"""Sinch implementation of the neutral sending operations."""

from __future__ import annotations

from airflow_provider_sms.hooks.sending import SendingOperations


class SinchSending(SendingOperations):
    """Send, find again and preview one request of a campaign through the Sinch API."""
