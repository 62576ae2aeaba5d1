"""Recipient files between tasks: a reader that cannot see its file fails at once, naming the rule."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from sms_campaign_support.airflow_compat import AirflowFailException
from sms_campaign_support.storage import require_recipients_file

from airflow_provider_sms.operators.send import SmsSendOperator
from tests.dags.conftest import EXAMPLE_DAGS
from tests.dags.test_dagbag import dag_bag


def context_for(to: str, work_dir: str) -> dict[str, Any]:
    task = SmsSendOperator(task_id="send", sms_conn_id="sinch_default", to=to, body="Hi")
    return {"task": task, "params": {"work_dir": work_dir}}


def test_a_recipients_file_on_this_worker_passes(tmp_path: Path) -> None:
    path = tmp_path / "segment-metro.csv"
    path.write_text("phone,name\n+61400000101,Ada\n")

    require_recipients_file(context_for(str(path), str(tmp_path)))


@pytest.mark.parametrize(("work_dir", "shown"), [("/mnt/campaigns", "/mnt/campaigns"), ("", "empty")])
def test_a_recipients_file_missing_here_fails_naming_file_host_work_dir_and_rule(
    tmp_path: Path, work_dir: str, shown: str
) -> None:
    path = tmp_path / "elsewhere" / "segment-metro.csv"

    with pytest.raises(AirflowFailException) as failure:
        require_recipients_file(context_for(str(path), work_dir))

    message = str(failure.value)
    assert f"the recipients file {path}" in message
    assert f"host {socket.gethostname()}" in message
    assert "params.work_dir must be shared storage that every worker mounts" in message
    assert f"work_dir is {shown}" in message


def test_every_task_reading_a_file_an_earlier_task_wrote_checks_it_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE_DAGS))
    bag = dag_bag(str(EXAMPLE_DAGS))
    readers = {
        "example_sms_campaign": ["preview", "send", "resend"],
        "example_sms_backfill_resend": ["resend"],
    }

    for dag_id, task_ids in readers.items():
        for task_id in task_ids:
            task = bag.dags[dag_id].get_task(task_id)
            hook = getattr(task, "partial_kwargs", {}).get("pre_execute") or task._pre_execute_hook
            assert hook is not None, (dag_id, task_id)
            assert hook.__name__ == "require_recipients_file", (dag_id, task_id)
