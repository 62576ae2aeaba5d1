"""Constants and builders shared by the Sinch client tests (seed values from the Sinch reference)."""

from __future__ import annotations

from typing import Any

from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings

PLAN = "jd63jf88477ll123ab4567cd89012ef3"
API_TOKEN = "api-TOKEN-secret-123"
PROJECT = "proj-1234"
KEY_ID = "key-id-1"
KEY_SECRET = "key-SECRET-xyz"
BATCH_ID = "01FC66621XXXXX119Z8PMV1QPQ"
US = f"https://us.sms.api.sinch.com/xms/v1/{PLAN}"
AUTH_URL = "https://auth.sinch.com/oauth2/token"

#: The response sample of "Send": numbers as JSON numbers, as the reference shows them.
BATCH_RESPONSE: dict[str, Any] = {
    "id": BATCH_ID,
    "to": [15551231234, 15551256344],
    "from": 15551231234,
    "canceled": False,
    "body": "Hi ${name}! How are you?",
    "type": "mt_text",
    "created_at": "2019-08-24T14:15:22Z",
    "modified_at": "2019-08-24T14:15:22Z",
    "delivery_report": "none",
    "send_at": "2019-08-24T14:15:22Z",
    "expire_at": "2019-08-24T14:15:22Z",
    "client_reference": "string",
    "feedback_enabled": False,
}


#: Keyword arguments that go to the client itself; every other one is a setting.
CLIENT_ARGUMENTS = ("session", "on_new_token", "sleep")


def client(settings: dict[str, Any]) -> SinchClient:
    """Return a client built from ``settings`` plus client arguments (``sleep``, ``session`` ...)."""
    arguments = {name: settings.pop(name) for name in CLIENT_ARGUMENTS if name in settings}
    return SinchClient(SinchSettings(**settings), **arguments)


def sinch(sleeps: list[float], **overrides: Any) -> SinchClient:
    """Return a service-plan client whose retries record their delays in ``sleeps``."""
    settings: dict[str, Any] = {"service_plan_id": PLAN, "api_token": API_TOKEN, "sleep": sleeps.append}
    settings.update(overrides)
    return client(settings)


def sinch_oauth(sleeps: list[float], **overrides: Any) -> SinchClient:
    """Return a project (OAuth2) client in the eu region."""
    settings: dict[str, Any] = {
        "region": "eu",
        "auth_type": "oauth2",
        "project_id": PROJECT,
        "key_id": KEY_ID,
        "key_secret": KEY_SECRET,
        "sleep": sleeps.append,
    }
    settings.update(overrides)
    return client(settings)
