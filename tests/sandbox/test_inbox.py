from __future__ import annotations

from datetime import datetime

import pytest

from airflow_provider_sms.sandbox.clock import SandboxClock
from airflow_provider_sms.sandbox.inbox import Inbox, normalize_msisdn


@pytest.mark.parametrize(
    "form", ["+61488023555", "61488023555", "%2B61488023555", "%2b61488023555", " +61488023555"]
)
def test_normalize_msisdn(form: str) -> None:
    assert normalize_msisdn(form) == "+61488023555"


def test_deliver_records_at_sandbox_time_and_round_trips() -> None:
    clock = SandboxClock()
    clock.advance(86400)
    inbox = Inbox(clock)
    before = clock.now()

    entry = inbox.deliver(
        "61488023555", body="hi", sender="Acme", vendor="sinch", message_id=None, batch_id="B1"
    )
    copy = Inbox(clock)
    copy.load(inbox.dump())

    assert datetime.fromisoformat(entry.at) >= before
    assert inbox.messages("+61488023555") == [entry]
    assert copy.messages("61488023555") == [entry]
    assert entry.to_json()["from"] == "Acme"
    assert inbox.total() == 1


def test_dirty_flag_and_clear() -> None:
    inbox = Inbox(SandboxClock())
    inbox.deliver("+61488023555", body="x", sender="A", vendor="fonedynamics", message_id="MG1")

    assert inbox.take_dirty() is True
    assert inbox.take_dirty() is False
    inbox.clear()
    assert inbox.total() == 0
    assert inbox.take_dirty() is True
