"""The neutral inbound message: its asset event payload (the contract of both inbound paths) and URI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.inbound import InboundSms, inbound_asset_uri, msisdn

MESSAGE = InboundSms(
    vendor="sinch",
    id="01INBOUND",
    from_number="+61400000002",
    to_number="+61400000001",
    body="STOP",
    received_at=datetime(2026, 11, 27, 20, 0, 0, 999000, tzinfo=timezone(timedelta(hours=10))),
    in_reply_to="c-7",
)


def test_the_payload_has_every_key_of_the_contract_in_utc_seconds() -> None:
    assert MESSAGE.to_payload() == {
        "kind": "inbound",
        "vendor": "sinch",
        "id": "01INBOUND",
        "from": "+61400000002",
        "to": "+61400000001",
        "body": "STOP",
        "received_at": "2026-11-27T10:00:00Z",
        "in_reply_to": "c-7",
    }


def test_a_payload_reads_back_and_a_foreign_one_is_refused() -> None:
    again = InboundSms.from_payload(MESSAGE.to_payload())

    assert again.to_payload() == MESSAGE.to_payload()
    with pytest.raises(SmsValidationError, match="kind='delivery': must be 'inbound'") as raised:
        InboundSms.from_payload({**MESSAGE.to_payload(), "kind": "delivery"})
    assert str(raised.value).startswith("Invalid inbound payload, no message was read: ")


def test_repr_masks_the_numbers_and_hides_the_text() -> None:
    shown = repr(MESSAGE)

    assert "+61400000002" not in shown
    assert "STOP" not in shown
    assert "+6140****002" in shown


@pytest.mark.parametrize(
    ("vendor", "number", "uri"),
    [
        ("sinch", "+61400000001", "sms://sinch/61400000001/inbound"),
        ("fonedynamics", "61299990000", "sms://fonedynamics/61299990000/inbound"),
        ("sinch", "76543", "sms://sinch/76543/inbound"),
        ("sinch", "AcmeCo", "sms://sinch/acmeco/inbound"),
    ],
)
def test_asset_uri(vendor: str, number: str, uri: str) -> None:
    assert inbound_asset_uri(vendor, number) == uri


def test_a_bad_asset_uri_argument_is_named_with_the_number_masked() -> None:
    with pytest.raises(SmsValidationError) as raised:
        inbound_asset_uri("nokia", "+61 400 000 001")

    assert [p.field for p in raised.value.problems] == ["vendor", "number"]
    assert str(raised.value).startswith("Invalid inbound asset URI, no asset was named: ")
    assert "400 000 001" not in str(raised.value)


def test_msisdn_gives_digits_their_plus_but_not_short_codes() -> None:
    assert [msisdn("61400000001"), msisdn("+61400000001"), msisdn("76543")] == [
        "+61400000001",
        "+61400000001",
        "76543",
    ]
