"""HTTP clients of the vendor APIs (no Airflow import): one shared transport, one client per vendor."""

from __future__ import annotations

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings
from airflow_provider_sms.clients.sinch import SinchClient, SinchOAuth2Auth
from airflow_provider_sms.clients.transport import (
    BasicAuth,
    BearerTokenAuth,
    HttpTransport,
    RequestAuth,
    RetryPolicy,
)
from airflow_provider_sms.models.sms import SINCH_OAUTH2_REGIONS, SINCH_REGIONS

__all__ = [
    "SINCH_OAUTH2_REGIONS",
    "SINCH_REGIONS",
    "BasicAuth",
    "BearerTokenAuth",
    "FoneDynamicsClient",
    "FoneDynamicsSettings",
    "HttpTransport",
    "RequestAuth",
    "RetryPolicy",
    "SinchClient",
    "SinchOAuth2Auth",
    "SinchSettings",
]
