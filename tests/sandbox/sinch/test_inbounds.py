"""The pieces of sinch_inbounds.py: the signature, the plan's callback settings, the inbound JSON."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone

import pytest

from airflow_provider_sms.sandbox.sinch_inbounds import (
    CallbackSettings,
    Inbound,
    inbound_json,
    signature,
    signature_headers,
)


def test_signature_is_base64_hmac_sha256_of_body_nonce_and_timestamp() -> None:
    body = '{"type":"mo_text","body":"café"}'.encode()
    expected = base64.b64encode(
        hmac.new(b"secret", body + b".n0nce.1700000000", hashlib.sha256).digest()
    ).decode()

    assert signature("secret", body, "n0nce", "1700000000") == expected
    assert signature("secret", body, "n0nce", "1700000001") != expected


def test_signature_headers_carry_what_the_signature_covers() -> None:
    headers = signature_headers("secret", b"{}")

    assert set(headers) == {
        "X-Sinch-Webhook-Signature",
        "X-Sinch-Webhook-Signature-Nonce",
        "X-Sinch-Webhook-Signature-Timestamp",
    }
    nonce, timestamp = (
        headers["X-Sinch-Webhook-Signature-Nonce"],
        headers["X-Sinch-Webhook-Signature-Timestamp"],
    )
    assert headers["X-Sinch-Webhook-Signature"] == signature("secret", b"{}", nonce, timestamp)
    assert timestamp.isdigit()


def test_settings_hide_the_secret_and_sign_only_with_one() -> None:
    signed = CallbackSettings("http://localhost:9/cb", "s3cret")

    assert "s3cret" not in repr(signed)
    assert signed.to_json() == {"callback_url": "http://localhost:9/cb", "signed": True}
    signer = signed.signer()
    assert signer is not None
    assert "X-Sinch-Webhook-Signature" in signer(b"{}")
    assert CallbackSettings("http://localhost:9/cb").signer() is None


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("https://example.com/cb", None, "loopback"),
        ("localhost:9/cb", None, "loopback"),
        (None, "", "signing_secret must not be empty"),
    ],
)
def test_settings_refuse_remote_urls_and_empty_secrets(
    url: str | None, secret: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CallbackSettings(url, secret)


def test_inbound_json_leaves_unknown_fields_out() -> None:
    at = datetime(2026, 5, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
    bare = Inbound(id="01A", sender="+61400000001", to="76543", body="hi", received_at=at)
    full = Inbound(
        id="01B", sender="61400000001", to="76543", body="", received_at=at, operator_id="50501",
        client_reference="c-1", batch_id="01BATCH", idempotency_key="k",
    )  # fmt: skip

    assert inbound_json(bare) == {
        "type": "mo_text",
        "id": "01A",
        "from": "+61400000001",
        "to": "76543",
        "body": "hi",
        "received_at": "2026-05-01T09:30:00.123Z",
    }
    assert inbound_json(full)["operator_id"] == "50501"
    assert inbound_json(full)["client_reference"] == "c-1"
    assert "batch_id" not in inbound_json(full)
