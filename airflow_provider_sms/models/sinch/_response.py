"""Base of every Sinch response model."""

from __future__ import annotations

from pydantic import ConfigDict

from airflow_provider_sms.models._base import WireModel


class SinchResponse(WireModel):
    """A Sinch response body, parsed leniently.

    The documented samples give phone numbers as JSON numbers (``"to": [15551231234]``) and counts as
    strings (``"count": "2"``): both are coerced to the declared type. Unknown fields are kept.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)
