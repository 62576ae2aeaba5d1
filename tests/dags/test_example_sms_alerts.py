"""``example_sms_alerts``: a failing critical task pages the on-call number once, a passing one does not."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.dags.helpers import VENDORS, use_vendor
from tests.e2e.harness import run_dag, task_states

ON_CALL = "+61400000777"
DAY = pendulum.datetime(2026, 1, 5, tz="UTC")


def inbox_after_delivery(sandbox: SandboxServer, msisdn: str, wait_s: float = 5.0) -> list[dict[str, Any]]:
    """Return the handset's inbox once something arrived, or empty after ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while not (inbox := sandbox.inbox(msisdn)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return inbox


def run_alerts(folder: Path, conn_id: str, settlement_dir: Path) -> Any:
    return run_dag(
        folder / "example_sms_alerts.py",
        "example_sms_alerts",
        logical_date=DAY,
        run_after=DAY,
        conf={"sms_conn_id": conn_id, "oncall": ON_CALL, "settlement_dir": str(settlement_dir)},
    )


@pytest.mark.parametrize("vendor", VENDORS)
def test_missing_settlement_file_pages_oncall_once(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)

    run = run_alerts(example_dags, conn_id, tmp_path)

    assert task_states(run) == {"publish_settlement": "failed"}
    inbox = inbox_after_delivery(sandbox, ON_CALL)
    assert len(inbox) == 1
    assert inbox[0]["from"] == "Alerts"
    assert inbox[0]["body"].startswith(
        f"example_sms_alerts.publish_settlement failed for {run.logical_date.date().isoformat()} (try 1): "
    )


def test_settlement_file_present_sends_no_alert(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, "sinch")
    run = run_alerts(example_dags, conn_id, tmp_path)
    (tmp_path / f"settlement-{run.logical_date.strftime('%Y%m%d')}.csv").write_text("id,amount\n")

    rerun = run_alerts(example_dags, conn_id, tmp_path)

    assert task_states(rerun) == {"publish_settlement": "success"}
    assert len(inbox_after_delivery(sandbox, ON_CALL)) == 1  # only the first run's failure
