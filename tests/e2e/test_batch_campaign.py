"""The batch operators act on every chunk of a campaign SmsSendOperator sent (``batch_id=send.output``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, sinch_connection
from tests.e2e.harness import run_dag, task_states, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_campaign.py"
KEPT = ("+61400000501", "+61400000503")
REMOVED = "+61400000502"


def test_update_through_the_send_output_changes_every_chunk_of_the_campaign(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env("sms_e2e_sinch", sinch_connection(sandbox.url)))
    send_at = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()

    run = run_dag(DAG_FILE, "e2e_batch_campaign", conf={"send_at": send_at})

    assert task_states(run) == {"send": "success", "update": "success"}
    batch_ids = xcom_return(run, "send")["batch_ids"]
    assert len(batch_ids) == 2
    result = xcom_return(run, "update")
    assert result["batch_ids"] == batch_ids
    assert sorted(outcome["recipients"] for outcome in result["outcomes"].values()) == [1, 1]
    sandbox.advance(2 * 3600)
    for number in KEPT:
        assert [m["body"] for m in sandbox.inbox(number)] == ["Changed"]
    assert sandbox.inbox(REMOVED) == []
