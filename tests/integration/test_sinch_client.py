"""SinchClient against the sandbox: every endpoint, errors, OAuth and faults, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.exceptions import (
    SmsAmbiguousResultError,
    SmsAuthenticationError,
    SmsForbiddenError,
    SmsNotFoundError,
    SmsServerError,
)
from airflow_provider_sms.sandbox.testing import SandboxServer

pytestmark = pytest.mark.integration

ADA, BOB, FAILS, SILENT = "+61400000001", "+61400000002", "+61400000013", "+61400000099"


def _statuses(report: object) -> dict[str, int]:
    return {s.status: s.count for s in report.statuses}  # type: ignore[attr-defined]


def test_send_then_delivery_report_moves_to_final_and_handsets_receive_once(
    sinch: SinchClient, sandbox: SandboxServer
) -> None:
    batch = sinch.send_batch(
        to=[ADA, BOB, FAILS],
        body="Hello ${name}",
        from_="ACME",
        parameters={"name": {ADA: "Ada", "default": "there"}},
        client_reference="it-send-1",
    )
    assert batch.id
    assert sinch.get_batch(batch.id).client_reference == "it-send-1"

    sandbox.advance(30)
    report = sinch.get_delivery_report(batch.id, type="full")
    assert report.total_message_count == 3
    assert _statuses(report) == {"Delivered": 2, "Failed": 1}
    assert [m["body"] for m in sandbox.inbox(ADA)] == ["Hello Ada"]
    assert [m["body"] for m in sandbox.inbox(BOB)] == ["Hello there"]
    assert sandbox.inbox(FAILS) == []

    recipient = sinch.get_recipient_delivery_report(batch.id, FAILS)
    assert recipient.state.status.value == "failed"
    assert recipient.state.final


def test_list_batches_iterates_every_page_and_filters_by_client_reference(sinch: SinchClient) -> None:
    ids = {
        sinch.send_batch(to=[ADA], body=f"n{i}", client_reference="it-page", from_="ACME").id
        for i in range(5)
    }
    sinch.send_batch(to=[ADA], body="other", client_reference="it-other", from_="ACME")
    listed = list(sinch.list_batches(client_reference="it-page", page_size=2))
    assert {b.id for b in listed} == ids


def test_dry_run_counts_parts_without_sending(sinch: SinchClient, sandbox: SandboxServer) -> None:
    result = sinch.dry_run(to=[ADA, BOB], body="€" * 81, per_recipient=True)  # 162 septets: 2 GSM parts
    assert result.number_of_recipients == 2
    assert result.number_of_messages == 4
    assert {r.encoding for r in result.per_recipient or []} == {"GSM"}
    unicode_result = sinch.dry_run(to=[ADA], body="🙂" * 36, per_recipient=True)  # 72 UTF-16 units: 2 parts
    assert unicode_result.number_of_messages == 2
    sandbox.advance(30)
    assert sandbox.inbox(ADA) == []


def test_scheduled_batch_update_replace_and_cancel(sinch: SinchClient, sandbox: SandboxServer) -> None:
    send_at = datetime.now(timezone.utc) + timedelta(hours=1)
    batch = sinch.send_batch(to=[ADA], body="first", send_at=send_at, from_="ACME")
    updated = sinch.update_batch(batch.id, to_add=[BOB], body="second")
    assert set(updated.to or []) == {ADA, BOB}
    replaced = sinch.replace_batch(batch.id, to=[BOB], body="third", send_at=send_at)
    assert replaced.body == "third"

    cancelled = sinch.cancel_batch(batch.id)
    assert cancelled.canceled is True
    sandbox.advance(2 * 3600)
    assert sandbox.inbox(ADA) == []
    assert sandbox.inbox(BOB) == []
    assert _statuses(sinch.get_delivery_report(batch.id)) == {"Cancelled": 1}


def test_update_after_dispatch_is_forbidden_with_the_vendor_code(
    sinch: SinchClient, sandbox: SandboxServer
) -> None:
    batch = sinch.send_batch(to=[ADA], body="now", from_="ACME")
    sandbox.advance(30)
    with pytest.raises(SmsForbiddenError) as caught:
        sinch.update_batch(batch.id, body="too late")
    assert caught.value.code == "batch_already_dispatched"
    assert caught.value.status == 403


def test_delivery_feedback_and_delivery_report_list(sinch: SinchClient, sandbox: SandboxServer) -> None:
    batch = sinch.send_batch(
        to=[ADA, BOB], body="feedback", feedback_enabled=True, client_reference="it-fb", from_="ACME"
    )
    sandbox.advance(30)
    sinch.send_delivery_feedback(batch.id, [ADA])
    reports = list(sinch.list_delivery_reports(client_reference="it-fb", page_size=1))
    assert sorted(r.recipient for r in reports) == [ADA, BOB]
    assert {r.status for r in reports} == {"Delivered"}


def test_unknown_batch_and_wrong_token_are_typed_errors(sinch: SinchClient, sandbox: SandboxServer) -> None:
    with pytest.raises(SmsNotFoundError):
        sinch.get_batch("01NOSUCHBATCH")
    wrong = SinchClient(
        SinchSettings(service_plan_id="sandbox", api_token="wrong", base_url=sandbox.url, max_retries=0)
    )
    with pytest.raises(SmsAuthenticationError):
        wrong.get_batch("01NOSUCHBATCH")


def test_oauth2_token_is_fetched_used_and_refreshed_after_expiry(
    sinch_oauth: SinchClient, sandbox: SandboxServer
) -> None:
    first = sinch_oauth.send_batch(to=[ADA], body="oauth one", from_="ACME")
    sandbox.advance(2 * 3600)  # the sandbox now considers the first access token expired
    second = sinch_oauth.send_batch(to=[BOB], body="oauth two", from_="ACME")
    assert first.id != second.id
    sandbox.advance(30)
    assert [m["body"] for m in sandbox.inbox(BOB)] == ["oauth two"]


def test_rate_limit_is_retried_after_retry_after(sinch: SinchClient, sandbox: SandboxServer) -> None:
    sandbox.set_faults(rate_limit_per_s=1)
    batches = [sinch.send_batch(to=[ADA], body=f"rl{i}", from_="ACME") for i in range(3)]
    assert len({b.id for b in batches}) == 3


def test_server_errors_exhaust_retries_into_a_typed_error(
    sandbox: SandboxServer,
) -> None:
    sandbox.set_faults(error_rate=1.0, error_status=503)
    fast = SinchClient(
        SinchSettings(
            service_plan_id="sandbox", api_token="sandbox-token", base_url=sandbox.url, max_retries=1
        )
    )
    with pytest.raises(SmsServerError) as caught:
        fast.get_batch("01ANY")
    assert caught.value.status == 503


def test_dropped_connection_after_commit_is_ambiguous_and_the_batch_exists(
    sinch: SinchClient, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(drop_after_commit_rate=1.0)
    with pytest.raises(SmsAmbiguousResultError):
        sinch.send_batch(to=[ADA], body="maybe", client_reference="it-ambiguous", from_="ACME")
    sandbox.clear_faults()
    # What a caller does next: look the key up instead of sending again.
    assert len(list(sinch.list_batches(client_reference="it-ambiguous"))) == 1
    sandbox.advance(30)
    assert len(sandbox.inbox(ADA)) == 1


def test_number_ending_99_expires_at_expire_at(sinch: SinchClient, sandbox: SandboxServer) -> None:
    expire_at = datetime.now(timezone.utc) + timedelta(minutes=10)
    batch = sinch.send_batch(to=[SILENT], body="never", expire_at=expire_at, from_="ACME")
    sandbox.advance(60)
    assert _statuses(sinch.get_delivery_report(batch.id)) == {"Dispatched": 1}
    sandbox.advance(15 * 60)
    assert _statuses(sinch.get_delivery_report(batch.id)) == {"Expired": 1}
