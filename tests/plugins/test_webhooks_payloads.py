"""What the webhook receiver makes of vendor bodies, without a server: asset URIs, payloads, signatures."""

from __future__ import annotations

import pytest

from airflow_provider_sms.plugins.webhooks import (
    WebhookRefused,
    deliveries_asset_uri,
    fonedynamics_event,
    inbound_asset_uri,
    parse_json,
    sinch_event,
    sinch_signature,
)
from airflow_provider_sms.sandbox.sinch_inbounds import signature as sandbox_signature

BATCH = "01KB5555555555555555555555"


@pytest.mark.parametrize(
    ("vendor", "number", "uri"),
    [
        ("sinch", "+61400000001", "sms://sinch/61400000001/inbound"),
        ("sinch", "61400000001", "sms://sinch/61400000001/inbound"),
        ("sinch", "12345", "sms://sinch/12345/inbound"),
        ("fonedynamics", "ACME", "sms://fonedynamics/acme/inbound"),
    ],
)
def test_inbound_asset_uri(vendor: str, number: str, uri: str) -> None:
    assert inbound_asset_uri(vendor, number) == uri


def test_deliveries_asset_uri() -> None:
    assert deliveries_asset_uri("sinch", "sms_default") == "sms://sinch/sms_default/deliveries"


@pytest.mark.parametrize("body", [b"", b"{}", '{"body":"caf\u00e9"}'.encode(), b"x" * 5000])
def test_the_signature_matches_the_sandboxs_own_reading_of_sinch(body: bytes) -> None:
    assert sinch_signature("s3cret", body, "nonce-1", "1795000000") == sandbox_signature(
        "s3cret", body, "nonce-1", "1795000000"
    )
    assert sinch_signature("s3cret", body, "nonce-2", "1795000000") != sandbox_signature(
        "s3cret", body, "nonce-1", "1795000000"
    )


def test_a_sinch_mo_becomes_the_contracts_inbound_payload() -> None:
    event = sinch_event(
        "sms",
        {
            "type": "mo_text",
            "id": "01KB6666666666666666666666",
            "from": "61488023555",
            "to": "12345",
            "body": "YES",
            "received_at": "2026-11-27T20:00:00.987+10:00",
            "client_reference": "order-7",
            "operator_id": "50501",
        },
    )

    assert event.asset_uri == "sms://sinch/12345/inbound"
    assert event.batch_id is None
    assert event.payload == {
        "kind": "inbound",
        "vendor": "sinch",
        "id": "01KB6666666666666666666666",
        "from": "+61488023555",
        "to": "12345",
        "body": "YES",
        "received_at": "2026-11-27T10:00:00Z",
        "in_reply_to": "order-7",
    }


def test_a_sinch_code_given_as_text_is_read_as_a_number() -> None:
    report = {
        "type": "recipient_delivery_report_sms",
        "batch_id": BATCH,
        "recipient": "+61488023555",
        "code": "407",
        "status": "Aborted",
        "at": "2026-11-27T10:00:00Z",
    }
    event = sinch_event("sms", report)

    assert (event.payload["code"], event.payload["status"], event.batch_id) == (407, "cancelled", BATCH)
    assert event.asset_uri == "sms://sinch/sms/deliveries"


def test_repeats_inbound_by_id_and_deliveries_by_the_whole_report() -> None:
    report = {
        "type": "recipient_delivery_report_sms",
        "batch_id": BATCH,
        "recipient": "+61488023555",
        "code": 0,
        "status": "Delivered",
        "at": "2026-11-27T10:00:00Z",
    }
    delivered = sinch_event("sms", report)
    dispatched = sinch_event("sms", {**report, "status": "Dispatched", "code": 400})
    inbound = fonedynamics_event(
        "fone",
        {"MessageSid": "MG" + "A" * 30, "Direction": "Receive", "From": "+61488023555", "To": "+61480000001"}
        | {"Text": "x", "Created": 1795000000},
    )

    assert delivered.repeats(dict(delivered.payload))
    assert not delivered.repeats(dispatched.payload)
    assert inbound.repeats({**inbound.payload, "body": "edited"})
    assert not inbound.repeats({**inbound.payload, "id": "MG" + "B" * 30})
    assert delivered.needles() == [BATCH, "+61488023555"]


def test_a_fone_dynamics_get_webhook_reads_text_values() -> None:
    query = {
        "MessageSid": "MG" + "C" * 30,
        "Direction": "Receive",
        "From": "+61488023555",
        "To": "+61480000001",
        "Text": "STOP",
        "Received": "1795000000",
        "ExternalId": "",
        "DeliveryReceipt": "false",
    }
    event = fonedynamics_event("fone", query)

    assert event.asset_uri == "sms://fonedynamics/61480000001/inbound"
    assert (event.payload["received_at"], event.payload["in_reply_to"]) == ("2026-11-18T11:06:40Z", None)


def test_a_fone_dynamics_failed_receipt() -> None:
    receipt = {
        "MessageSid": "MG" + "D" * 30,
        "Direction": "Transmit",
        "To": "+61488023513",
        "Status": "Failed",
        "ErrorCode": "5",
        "Created": 1795000000,
        "Submitted": 1795000010,
        "Delivered": None,
        "ExternalId": "key.0",
    }
    event = fonedynamics_event("fone", receipt)

    assert event.payload == {
        "kind": "delivery",
        "vendor": "fonedynamics",
        "batch_id": "MG" + "D" * 30,
        "recipient": "+61488023513",
        "status": "failed",
        "code": 5,
        "client_reference": "key.0",
        "at": "2026-11-18T11:06:50Z",
    }


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({"MessageSid": "MG-1", "Direction": "Receive"}, "field 'MessageSid' = 'MG-1': must be a Fone"),
        ({"MessageSid": "MG" + "E" * 30, "Direction": "Sideways"}, "field 'Direction' = 'Sideways': must be"),
        (
            {"MessageSid": "MG" + "E" * 30, "Direction": "Receive", "From": "+61488023555", "To": "+614"},
            "field 'Created' is missing; must be an ISO-8601 time or Unix seconds",
        ),
    ],
)
def test_a_fone_dynamics_webhook_that_breaks_a_rule(data: dict[str, object], detail: str) -> None:
    with pytest.raises(WebhookRefused) as refused:
        fonedynamics_event("fone", data)

    assert refused.value.status == 422
    assert refused.value.detail.startswith(detail)


def test_a_number_in_a_refusal_is_masked() -> None:
    with pytest.raises(WebhookRefused) as refused:
        sinch_event("sms", {"type": "61488023555"})

    assert refused.value.detail.startswith("field 'type' = '61488***555': must be mo_text")


def test_deeply_nested_json_is_a_400_not_a_crash() -> None:
    with pytest.raises(WebhookRefused) as refused:
        parse_json(b"[" * 100_000 + b"]" * 100_000)

    assert (refused.value.status, refused.value.detail) == (400, "the body is not valid UTF-8 JSON")
