"""What a user obviously meant is accepted: native-rendered numbers and texts, a CSV file in its encoding.

``render_template_as_native_obj=True`` renders ``{{ params.x }}`` to the int, float or list it holds: an int
``to`` is the number whose ``+`` the render dropped (the docs promise it back), an int body or reference
is its digits. Each send goes to the sandbox, whose handsets show what arrived.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sandbox.testing import SandboxServer
from airflow_provider_sms.sensors.delivery_report import SmsDeliveryReportSensor
from tests.reliability.conftest import CONN, VENDORS
from tests.reliability.targets import notifier, task

A, B = "+61400600001", "+61400600002"


@pytest.fixture
def sandbox_now(connections: SandboxServer) -> SandboxServer:
    connections.reset()
    return connections


def bodies(sandbox: SandboxServer, number: str) -> list[str]:
    sandbox.advance(5)
    return [message["body"] for message in sandbox.inbox(number)]


@pytest.mark.parametrize("vendor", VENDORS)
def test_native_ints_become_the_number_the_text_and_the_reference_meant(
    vendor: str, sandbox_now: SandboxServer, tmp_path: Path
) -> None:
    values = {"to": [int(A[1:]), int(B[1:])], "code": 4711, "ref": 2026}
    run = task(
        SmsSendOperator,
        vendor,
        native=values,
        to="{{ params.to }}",
        body="{{ params.code }}",
        client_reference="{{ params.ref }}",
    )

    run(tmp_path)

    assert (bodies(sandbox_now, A), bodies(sandbox_now, B)) == (["4711"], ["4711"])
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    assert SmsHook.for_connection(CONN[vendor]).find_batches("2026-", since) != []  # the reference


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_notifier_takes_one_number_rendered_as_an_int(vendor: str, sandbox_now: SandboxServer) -> None:
    notifier(vendor, native={"on_call": int(A[1:])}, to="{{ params.on_call }}", body="Paged")(Path())

    assert bodies(sandbox_now, A) == ["Paged"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_latin1_file_is_read_with_its_encoding(
    vendor: str, sandbox_now: SandboxServer, tmp_path: Path
) -> None:
    recipients = tmp_path / "export.csv"
    recipients.write_bytes(f"phone,name\n{A},Zoë\n{B},José\n".encode("latin-1"))

    send = task(SmsSendOperator, vendor, to=str(recipients), body="Hi ${name}", encoding="latin-1")
    send(tmp_path)

    assert (bodies(sandbox_now, A), bodies(sandbox_now, B)) == (["Hi Zoë"], ["Hi José"])


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_report_sensor_counts_recipients_rendered_as_ints(
    vendor: str, sandbox_now: SandboxServer, tmp_path: Path
) -> None:
    sent: Any = task(SmsSendOperator, vendor, to=[A, B], body="Counted")(tmp_path)
    sandbox_now.advance(60)
    report = tmp_path / "report.csv"
    wait = task(
        SmsDeliveryReportSensor,
        vendor,
        native={"ids": sent["batch_ids"], "who": [int(A[1:])]},
        batch_id="{{ params.ids }}",
        recipients="{{ params.who }}",
        report_path=str(report),
        poke_interval=0.1,
        timeout=30,
        deferrable=False,
    )

    result: Any = wait(tmp_path)

    assert (result["succeeded"], result["required"]) == (1, 1)
    assert report.read_text().count("+61400600001") == 1
