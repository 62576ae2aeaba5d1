"""Each distinct number gets exactly one SMS per send, across chunks, for both vendors and the notifier.

A number listed again (also as ``' +61…'`` or as the int a native template render makes of it) is left out
of its chunk and reported under ``skipped``/``duplicates``/``rejected``; it is never an error that blocks
the campaign. Finding the repeats takes about 8 bytes per recipient, so memory stays flat.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.notifications.sms import SmsNotifier
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.reliability.conftest import CONN, VENDORS

A, B, C, D = (f"+6140040{n:04d}" for n in range(1, 5))
PROJECT = Path(__file__).parents[2]


@pytest.fixture
def sandbox_now(connections: SandboxServer) -> SandboxServer:
    connections.reset()
    return connections


def send(vendor: str, run_id: str = "dups", **arguments: Any) -> dict[str, Any]:
    ti = mock.Mock(dag_id="dups", task_id="send", run_id=run_id, map_index=-1)
    operator = SmsSendOperator(task_id="send", sms_conn_id=CONN[vendor], from_="Dups", **arguments)
    return operator.execute({"ti": ti})  # type: ignore[arg-type]


def inbox_counts(sandbox: SandboxServer, *numbers: str) -> list[int]:
    sandbox.advance(5)
    return [len(sandbox.inbox(number)) for number in numbers]


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_number_listed_again_in_another_chunk_gets_one_sms(vendor: str, sandbox_now: SandboxServer) -> None:
    again = int(A.lstrip("+"))  # as render_template_as_native_obj=True renders '{{ A }}'
    to: list[object] = [A, B, C, D, f" {A} ", again, B]

    result = send(vendor, to=to, body="Once", chunk_size=2)

    assert inbox_counts(sandbox_now, A, B, C, D) == [1, 1, 1, 1]
    assert (result["recipients"], result["skipped"], result["duplicates"]) == (4, 3, 3)
    assert [(r["field"], r["value"]) for r in result["rejected"]] == [
        ("to[4]", "+6140****001"),
        ("to[5]", "+6140****001"),
        ("to[6]", "+6140****002"),
    ]
    assert result["rejected"][2]["rule"].startswith("repeats to[1]: each number gets one SMS per send")
    # Chunks keep their source positions: chunks 2 and 3 (positions 4-6) hold repeats only, and are not sent.
    assert result["chunks"] == 2


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_issue_cases_a_then_999_others_then_a_and_chunks_of_one(
    vendor: str, sandbox_now: SandboxServer
) -> None:
    others = [f"+614005{n:05d}" for n in range(999)]

    result = send(vendor, to=[A, *others, A], body="Once")
    single = send(vendor, run_id="single", to=[B, B], body="Once", chunk_size=1)

    assert inbox_counts(sandbox_now, A, B) == [1, 1]
    assert (result["recipients"], result["duplicates"], single["duplicates"]) == (1000, 1, 1)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_retry_keeps_the_chunks_and_sends_nothing_again(vendor: str, sandbox_now: SandboxServer) -> None:
    to = [A, B, A, C, D]

    first = send(vendor, to=to, body="Once", chunk_size=2)
    again = send(vendor, to=to, body="Once", chunk_size=2)

    assert inbox_counts(sandbox_now, A, B, C, D) == [1, 1, 1, 1]
    assert again["batch_ids"] == first["batch_ids"]
    assert again["reused_chunks"] == len(first["batch_ids"]) == 3


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_csv_row_repeating_a_number_is_left_out_with_its_line(
    vendor: str, sandbox_now: SandboxServer, tmp_path: Path
) -> None:
    recipients = tmp_path / "audience.csv"
    recipients.write_text(f"phone,name\n{A},Ada\n{B},Bob\n{A},Alan\n")

    result = send(vendor, to=str(recipients), body="Hi ${name}")

    sandbox_now.advance(5)
    assert [m["body"] for m in sandbox_now.inbox(A)] == ["Hi Ada"]
    assert [r["field"] for r in result["rejected"]] == ["to[2] (line 4)"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_notifier_sends_one_sms_per_number(vendor: str, sandbox_now: SandboxServer) -> None:
    notifier = SmsNotifier(sms_conn_id=CONN[vendor], to=[A, A, f"{A} "], body="Paged once")

    notifier({"run_id": "dups", "ti": mock.Mock(dag_id="d", task_id="t", map_index=-1, try_number=1)})

    assert inbox_counts(sandbox_now, A) == [1]


@pytest.mark.parametrize("repeated_share", [0, 2])
def test_finding_repeats_takes_at_most_16_bytes_per_recipient(repeated_share: int) -> None:
    from airflow_provider_sms.models.sms import RepeatedNumbers  # new: main has no repeat finder

    count = 200_000
    distinct = count // repeated_share if repeated_share else count
    numbers = (f"+614{(n * 7919) % distinct:08d}" for n in range(count))

    tracemalloc.start()
    try:
        repeated = RepeatedNumbers.find(numbers)
        tracker = repeated.tracker()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak <= 16 * count, f"{peak / count:.1f} bytes per recipient"
    assert len(repeated) == (distinct if repeated_share else 0)
    first = "+61400000000"
    assert (tracker.earlier(first, 0), tracker.earlier(first, 9)) == (
        (None, 0) if repeated_share else (None, None)
    )


def test_one_repeat_among_a_million_recipients_is_found_before_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validate (every recipient checked, repeats found, every chunk built) 1,000,000 CSV rows.

    The memory this takes is measured by ``bench/memory.py`` (``make bench``), not asserted here.
    """
    from airflow_provider_sms.hooks.campaign import Campaign
    from airflow_provider_sms.hooks.sms import SmsHook

    count = 1_000_000
    recipients = tmp_path / "million.csv"
    with recipients.open("w") as handle:
        handle.write("phone,name\n")
        handle.writelines(f"+614{n:08d},P{n % 997}\n" for n in range(count))
        handle.write("+61400000007,again\n")
    connection = {
        "conn_type": "sinch",
        "login": "plan",
        "password": "sandbox-token",
        "host": "http://127.0.0.1:9",
    }
    monkeypatch.setenv("AIRFLOW_CONN_MILLION", json.dumps({**connection, "extra": {"default_from": "M"}}))
    campaign = Campaign.build(
        SmsHook.for_connection("million"), key="million-t-0", to=str(recipients), body="Hi ${name}"
    )

    assert campaign.validate().repeats == 1
