"""``example_sms_backfill_resend``: a backfill resends each failure once; the same one again sends nothing.

``airflow backfill create`` needs a scheduler to run its DAG runs; here each date is run with
``dag.test()`` instead, once for the first backfill and once more for the second.
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.dags.conftest import EXAMPLE_DAGS
from tests.dags.helpers import documented_commands, fast_examples, messages_sent, use_vendor
from tests.e2e.harness import load_dag, run_dag, task_states, xcom_return

DAYS = [pendulum.datetime(2026, 1, day, tz="UTC") for day in (1, 2, 3)]


def run_for_day(folder: Path, dag_id: str, day: pendulum.DateTime, conf: dict[str, Any]) -> Any:
    """Run a DAG for the data interval of ``day`` (a manual run at a date covers the day that ends then)."""
    at = day.add(days=1)
    return run_dag(folder / f"{dag_id}.py", dag_id, logical_date=at, run_after=at, conf=conf)


def outcome(run: Any) -> tuple[dict[str, str], Any]:
    """Return a resend run's task states and what ``find_failures`` found, before a rerun replaces them."""
    return task_states(run), xcom_return(run, "find_failures")


def audience_numbers(folder: Path) -> dict[str, list[str]]:
    """Return the shipped audience's numbers per day they lapsed."""
    days: dict[str, list[str]] = {}
    with (folder / "data" / "audience.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            days.setdefault(row["lapsed_on"], []).append(row["phone"])
    return days


# Three days with Sinch; one with Fone Dynamics keeps its batch lookup covered at a third of the time.
@pytest.mark.parametrize(("vendor", "days"), [("sinch", DAYS), ("fonedynamics", DAYS[:1])])
def test_backfill_resends_each_days_failures_once_and_a_second_backfill_sends_nothing(
    example_dags: Path,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    vendor: str,
    days: list[pendulum.DateTime],
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)
    fast_examples(monkeypatch, receipt_timeout_s=1.5)
    conf = {"sms_conn_id": conn_id, "work_dir": str(tmp_path), "expire_after_s": 2}
    for day in days:  # the campaign ran on these days without its own resend
        campaign = run_for_day(example_dags, "example_sms_campaign", day, {**conf, "resend": False})
        assert task_states(campaign)["publish_summary"] == "success"
    after_campaign = messages_sent(conn_id)

    first = [outcome(run_for_day(example_dags, "example_sms_backfill_resend", day, conf)) for day in days]
    after_first = messages_sent(conn_id)
    second = [outcome(run_for_day(example_dags, "example_sms_backfill_resend", day, conf)) for day in days]
    after_second = messages_sent(conn_id)

    audience = audience_numbers(example_dags)
    expected_resent = {
        number
        for day in days
        for number in audience[day.to_date_string()]
        if number.endswith("13") or (vendor == "sinch" and number.endswith("99"))
    }
    for states, found in first:
        assert states == {"find_failures": "success", "resend": "success"}
        assert found["recipients"] == (2 if vendor == "sinch" else 1)
    assert after_first - after_campaign == dict.fromkeys(expected_resent, 1)
    for states, found in second:
        assert states == {"find_failures": "skipped", "resend": "skipped"}
        assert found is None
    assert after_second == after_first
    everyone = [number for day in days for number in audience[day.to_date_string()]]
    assert all(after_campaign[number] == 1 for number in everyone)


def test_a_day_the_campaign_already_resent_is_not_resent_again(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, "sinch")
    fast_examples(monkeypatch)
    conf = {"sms_conn_id": conn_id, "work_dir": str(tmp_path), "expire_after_s": 2}
    run_for_day(example_dags, "example_sms_campaign", DAYS[0], conf)
    after_campaign = messages_sent(conn_id)

    run = run_for_day(example_dags, "example_sms_backfill_resend", DAYS[0], conf)

    assert task_states(run) == {"find_failures": "skipped", "resend": "skipped"}
    assert messages_sent(conn_id) == after_campaign
    assert sorted(after_campaign.values()).count(2) == 2  # the campaign's own resend: the 13 and the 99


@pytest.mark.parametrize(
    "where",
    [
        EXAMPLE_DAGS / "example_sms_backfill_resend.py",
        EXAMPLE_DAGS.parent / "docs" / "guides" / "backfill-resends.md",
    ],
    ids=["docstring", "docs"],
)
def test_the_documented_backfill_unpauses_the_dag_it_creates_paused_first(
    example_dags: Path, where: Path
) -> None:
    """A paused DAG's backfill runs stay queued, so the documented steps unpause it before the backfill."""
    dag = load_dag(example_dags / "example_sms_backfill_resend.py", "example_sms_backfill_resend")
    text = where.read_text(encoding="utf-8")
    if where.suffix == ".py":
        text = ast.get_docstring(ast.parse(text)) or ""
    commands = [c for c in documented_commands(text) if "example_sms_backfill_resend" in c]

    assert dag.is_paused_upon_creation is True
    unpause = "airflow dags unpause example_sms_backfill_resend"
    backfills = [i for i, c in enumerate(commands) if c.startswith("airflow backfill create")]
    assert backfills, commands
    assert unpause in commands, commands
    assert commands.index(unpause) < backfills[0], commands
