"""What the example DAG tests share: sandbox connections, and what the sandbox received per number."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

CONN_ID = {"sinch": "example_sms_sinch", "fonedynamics": "example_sms_fone"}
VENDORS = ["sinch", "fonedynamics"]


def use_vendor(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, vendor: str) -> str:
    """Point the vendor's connection at the sandbox and return its id.

    :param monkeypatch: The test's monkeypatch.
    :param sandbox: The running sandbox.
    :param vendor: ``sinch`` or ``fonedynamics``.
    """
    conn = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
    monkeypatch.setenv(*connection_env(CONN_ID[vendor], conn))
    return CONN_ID[vendor]


def fast_examples(monkeypatch: pytest.MonkeyPatch, receipt_timeout_s: float = 3.0) -> None:
    """Make the example DAGs poll every 0.2 s, give up waiting for receipts soon and retry at once."""
    monkeypatch.setenv("SMS_EXAMPLE_RECEIPT_TIMEOUT_S", str(receipt_timeout_s))
    monkeypatch.setenv("SMS_EXAMPLE_POLL_INTERVAL_S", "0.2")
    monkeypatch.setenv("SMS_EXAMPLE_RETRY_DELAY_S", "0")


def messages_sent(conn_id: str) -> Counter[str]:
    """Return how many messages the vendor accepted per number in the last day (delivered or not).

    :param conn_id: The sandbox connection.
    """
    hook = SmsHook.for_connection(conn_id)
    now = datetime.now(timezone.utc)
    sent: Counter[str] = Counter()
    if hook.conn_type == "sinch":
        for batch in hook.list_batches(start_date=now - timedelta(days=1), page_size=100):
            sent.update(batch.to)
    else:
        for message in hook.list_messages(
            date_from=now - timedelta(days=1), date_to=now + timedelta(days=1), direction="Transmit"
        ):
            sent[str(message.to)] += 1
    return sent


def documented_commands(text: str) -> list[str]:
    """Return the ``airflow ...`` command lines shown in a docstring or Markdown page, continuations joined.

    :param text: The documentation.
    """
    commands: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and not stripped.startswith("airflow "):
            continue
        pending = f"{pending} {stripped}".strip()
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        commands.append(" ".join(pending.split()))
        pending = ""
    return commands
