"""Blank From: a leased number, unique per recipient, at most 5 at a time, each valid 30 days."""

from __future__ import annotations

from airflow_provider_sms.sandbox.fonedynamics_messages import is_e164
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import send, send_batch


def test_blank_from_gets_a_leased_e164_number(sandbox: SandboxServer) -> None:
    message = send(sandbox, {"To": "+61488023555", "Text": "x"}).json()["Message"]

    assert is_e164(message["From"])


def test_five_leases_per_recipient_then_an_error(sandbox: SandboxServer) -> None:
    messages = [{"From": "", "To": "+61488023555", "Text": str(n)} for n in range(6)]
    results = send_batch(sandbox, messages).json()

    numbers = [r["From"] for r in results[:5]]
    assert len(set(numbers)) == 5
    assert results[5]["ErrorCode"] == "LEASE_LIMIT_REACHED"
    assert results[5]["Errors"][0]["FieldName"] == "From"
    other = send(sandbox, {"To": "+61488023556", "Text": "x"})
    assert other.status_code == 200
    assert send(sandbox, {"From": "Acme", "To": "+61488023555", "Text": "x"}).status_code == 200


def test_leases_expire_after_30_days(sandbox: SandboxServer) -> None:
    for n in range(5):
        assert send(sandbox, {"To": "+61488023555", "Text": str(n)}).status_code == 200
    refused = send(sandbox, {"To": "+61488023555", "Text": "sixth"})
    assert refused.status_code == 400
    assert refused.json()["ResponseStatus"]["ErrorCode"] == "LEASE_LIMIT_REACHED"

    sandbox.advance(30 * 86400 + 1)

    assert send(sandbox, {"To": "+61488023555", "Text": "after"}).status_code == 200
