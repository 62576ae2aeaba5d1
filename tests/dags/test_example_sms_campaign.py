"""``example_sms_campaign`` in real Airflow against the sandbox, with either vendor."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.dags.helpers import VENDORS, fast_examples, messages_sent, use_vendor
from tests.e2e.harness import run_dag, task_states, xcom_return

DAY = pendulum.datetime(2026, 1, 3, tz="UTC")
#: A manual run (``dags test``, ``dag.test()``) at a date covers the day that ends then.
RUN_AT = DAY.add(days=1)


def audience_of(folder: Path, day: str) -> dict[str, str]:
    """Return ``{number: name}`` of the shipped audience that lapsed on ``day``."""
    with (folder / "data" / "audience.csv").open(newline="") as handle:
        return {row["phone"]: row["name"] for row in csv.DictReader(handle) if row["lapsed_on"] == day}


def run_campaign(folder: Path, conn_id: str, work_dir: Path, **conf: object) -> object:
    return run_dag(
        folder / "example_sms_campaign.py",
        "example_sms_campaign",
        logical_date=RUN_AT,
        run_after=RUN_AT,
        conf={"sms_conn_id": conn_id, "work_dir": str(work_dir), "expire_after_s": 2, **conf},
    )


@pytest.mark.parametrize("vendor", VENDORS)
def test_campaign_delivers_once_per_recipient_and_resends_once_to_failures(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)
    fast_examples(monkeypatch)
    audience = audience_of(example_dags, DAY.to_date_string())
    fails = [n for n in audience if n.endswith("13")]
    no_receipt = [n for n in audience if n.endswith("99")]
    delivered = [n for n in audience if n not in fails + no_receipt]

    run = run_campaign(example_dags, conn_id, tmp_path)

    states = task_states(run)
    summary = xcom_return(run, "publish_summary")
    sent = messages_sent(conn_id)
    assert len(audience) == 15
    assert len(fails) == len(no_receipt) == 1
    for number in delivered:
        inbox = sandbox.inbox(number)
        assert [m["body"] for m in inbox] == [
            f"Hi {audience[number]}, your ACME plan lapsed on 2026-01-03. Renew at acme.example/renew"
        ]
        assert sent[number] == 1
    assert sandbox.inbox(fails[0]) == []
    assert sent[fails[0]] == 2  # the send and exactly one resend
    if vendor == "sinch":  # expired at expire_at, so resent once (and expired again)
        assert sent[no_receipt[0]] == 2
        assert summary["statuses"] == {"delivered": 13, "expired": 1, "failed": 1}
        assert summary["resends"] == {"recipients": 2, "statuses": {"expired": 1, "failed": 1}}
        assert all(state == "success" for state in states.values()), states
    else:  # stays Submitted: never final, so its segment's wait gives up (skipped) and it is not resent
        assert sent[no_receipt[0]] == 1
        assert summary["statuses"] == {"delivered": 13, "failed": 1, "sent": 1}
        assert summary["resends"] == {"recipients": 1, "statuses": {"failed": 1}}
        assert sorted(states.values()).count("skipped") == 1, states
        assert "failed" not in states.values()
    assert summary["recipients"] == 15
    assert {name: seg["recipients"] for name, seg in summary["segments"].items()} == {
        "business": 5,
        "metro": 5,
        "regional": 5,
    }
    published = json.loads(Path(summary["summary_path"]).read_text())
    assert published == {k: v for k, v in summary.items() if k != "summary_path"}
    assert "+614" not in json.dumps(summary)


def test_a_send_over_budget_stops_before_anything_is_sent(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, "sinch")
    fast_examples(monkeypatch)

    run = run_campaign(example_dags, conn_id, tmp_path, max_parts=10)

    states = task_states(run)
    assert states["load_audience"] == "success"
    assert states["preview"] == "failed"
    assert states["plan_sends"] == "upstream_failed"
    assert messages_sent(conn_id) == {}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_day_with_nobody_due_succeeds_with_skipped_tasks_and_a_summary_saying_so(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)
    fast_examples(monkeypatch)
    empty_day = pendulum.datetime(2026, 1, 9, tz="UTC")
    assert audience_of(example_dags, empty_day.to_date_string()) == {}

    run = run_dag(
        example_dags / "example_sms_campaign.py",
        "example_sms_campaign",
        logical_date=empty_day.add(days=1),
        run_after=empty_day.add(days=1),
        conf={"sms_conn_id": conn_id, "work_dir": str(tmp_path)},
    )

    states = task_states(run)
    summary = xcom_return(run, "publish_summary")
    assert str(run.state) == "success", states
    assert states.pop("publish_summary") == "success"
    assert set(states.values()) == {"skipped"}, states
    assert {"load_audience", "preview", "plan_sends", "collect_failures"} <= set(states)
    assert summary["recipients"] == 0
    assert summary["nobody_due"] is True
    assert "nobody" in summary["note"].lower()
    assert "2026-01-09" in summary["note"]
    assert json.loads(Path(summary["summary_path"]).read_text())["nobody_due"] is True
    assert messages_sent(conn_id) == {}
