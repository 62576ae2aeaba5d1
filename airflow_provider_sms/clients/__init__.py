"""HTTP clients of the vendor APIs (no Airflow import): one shared transport, one client per vendor."""

from __future__ import annotations

from airflow_provider_sms.clients.auth import BasicAuth, BearerTokenAuth
from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient
from airflow_provider_sms.clients.retry import RetryPolicy
from airflow_provider_sms.clients.sinch import SINCH_OAUTH2_REGIONS, SINCH_REGIONS, SinchClient
from airflow_provider_sms.clients.sinch_auth import SinchOAuth2Auth
from airflow_provider_sms.clients.transport import HttpTransport, RequestAuth

__all__ = [
    "SINCH_OAUTH2_REGIONS",
    "SINCH_REGIONS",
    "BasicAuth",
    "BearerTokenAuth",
    "FoneDynamicsClient",
    "HttpTransport",
    "RequestAuth",
    "RetryPolicy",
    "SinchClient",
    "SinchOAuth2Auth",
]
