"""FoneDynamicsClient against the sandbox, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings
from airflow_provider_sms.exceptions import SmsAmbiguousResultError, SmsAuthenticationError
from airflow_provider_sms.models.fonedynamics import FoneBatchItemError, FoneMessage
from airflow_provider_sms.sandbox.testing import SandboxServer

pytestmark = pytest.mark.integration

ADA, FAILS, SILENT = "+61400000001", "+61400000013", "+61400000099"


def test_send_message_moves_to_delivered_and_reaches_the_handset(
    fone: FoneDynamicsClient, sandbox: SandboxServer
) -> None:
    sent = fone.send_message(to=ADA, text="Hi Ada", from_="ACME", external_id="it-fd-1")
    assert sent.message_sid
    assert fone.get_message(sent.message_sid).external_id == "it-fd-1"
    sandbox.advance(30)
    final = fone.get_message(sent.message_sid)
    assert final.status == "Delivered"
    assert final.state.final
    assert [m["body"] for m in sandbox.inbox(ADA)] == ["Hi Ada"]


def test_batch_outcomes_failure_and_missing_receipt(fone: FoneDynamicsClient, sandbox: SandboxServer) -> None:
    results = fone.send_messages(
        [
            {"to": ADA, "text": "a", "from_": "ACME"},
            {"to": FAILS, "text": "b", "from_": "ACME"},
            {"to": SILENT, "text": "c", "from_": "ACME"},
        ]
    )
    assert all(isinstance(r, FoneMessage) for r in results)
    sandbox.advance(30)
    statuses = [fone.get_message(r.message_sid).status for r in results if isinstance(r, FoneMessage)]
    assert statuses == ["Delivered", "Failed", "Submitted"]


def test_per_item_errors_come_back_in_order(fone: FoneDynamicsClient) -> None:
    # Leases are limited to 5 per recipient: the sixth leased message to ADA is refused by the server.
    results = fone.send_messages([{"to": ADA, "text": f"lease {i}", "from_": ""} for i in range(6)])
    assert [isinstance(r, FoneMessage) for r in results] == [True] * 5 + [False]
    error = results[5]
    assert isinstance(error, FoneBatchItemError)
    assert error.error_code


def test_list_messages_pages_through_a_date_window(fone: FoneDynamicsClient) -> None:
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    sids = {fone.send_message(to=ADA, text=f"m{i}", from_="ACME").message_sid for i in range(5)}
    listed = list(fone.list_messages(date_from=start, date_to=start + timedelta(hours=1), results_count=2))
    assert {m.message_sid for m in listed} >= sids


def test_wrong_token_is_an_authentication_error(sandbox: SandboxServer) -> None:
    wrong = FoneDynamicsClient(
        FoneDynamicsSettings(
            account_sid="ACSANDBOX",
            token="wrong",
            property_sid="PRSANDBOX",
            base_url=sandbox.url,
            max_retries=0,
        )
    )
    with pytest.raises(SmsAuthenticationError):
        wrong.get_message("MGNOSUCHMESSAGE")


def test_dropped_connection_on_send_is_ambiguous_and_the_message_exists(
    fone: FoneDynamicsClient, sandbox: SandboxServer
) -> None:
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    sandbox.set_faults(drop_after_commit_rate=1.0)
    with pytest.raises(SmsAmbiguousResultError):
        fone.send_message(to=ADA, text="maybe", from_="ACME", external_id="it-fd-amb")
    sandbox.clear_faults()
    found = [
        m
        for m in fone.list_messages(date_from=start, date_to=start + timedelta(hours=1))
        if m.external_id == "it-fd-amb"
    ]
    assert len(found) == 1
