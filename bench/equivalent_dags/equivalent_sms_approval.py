"""``example_sms_approval`` with standard operators in place of the provider's: the parse-time yardstick.

Same tasks, dependencies, params, templates and short-circuit; ``PythonOperator`` stands in for
``SmsSendOperator``, ``PythonSensor`` for ``SmsReplySensor``. Never run: only parsed by
``bench/parse_time.py``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import DAG, Param, get_current_context, task

DAG_ID = "equivalent_sms_approval"
DEFAULT_RECIPIENTS = Path(__file__).parent / "data" / "launch_list.csv"
#: How long the manager has to answer, and how often to look (the demo and tests shorten both).
APPROVAL_TIMEOUT_S = float(os.environ.get("SMS_EXAMPLE_APPROVAL_TIMEOUT_S", 4 * 3600))
POLL_INTERVAL_S = float(os.environ.get("SMS_EXAMPLE_POLL_INTERVAL_S", 60))

#: Sets ``run`` to what ``prepare_approval`` returned, for the templates below.
PREPARED = "{% set run = ti.xcom_pull(task_ids='prepare_approval') %}"
ASK = (
    PREPARED + "Send the campaign for {{ ds }} to {{ run.recipients }} people? "
    "Reply YES {{ run.code }} (or NO {{ run.code }} to cancel)"
)
#: The manager's answer with this run's code: YES or NO, any case, the code as a whole word.
ANSWER_PATTERN = PREPARED + r"(?i)^\s*(yes|no)\s+{{ run.code }}\b"
CAMPAIGN = "Hi ${name}, ACME's spring range is in store from today. Reply STOP to opt out"


def stand_in(**kwargs: Any) -> dict[str, Any]:
    """What a provider operator would return; never run."""
    return {"batch_ids": [], **kwargs}


def stand_in_sensor(**kwargs: Any) -> bool:
    """What a provider sensor would poke; never run."""
    return True


def approval_code(dag_id: str, run_id: str) -> str:
    """Return the run's four-digit approval code: the same for every try of the run, different across runs.

    :param dag_id: The DAG's id.
    :param run_id: The DAG run's id.
    """
    digest = hashlib.sha256(f"{dag_id}/{run_id}".encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 10_000:04d}"


def is_yes(reply: str | None) -> bool:
    """Return whether the reply approves (``YES ...``); ``NO ...`` or anything else does not.

    :param reply: The reply's text, as ``SmsReplySensor`` returned it.
    """
    return bool(reply and re.match(r"(?i)\s*yes\b", reply))


@task
def prepare_approval() -> dict[str, Any]:
    """Return the run's approval code, the recipients file and how many distinct numbers it holds."""
    context = get_current_context()
    params = context["params"]
    source = Path(params["recipients_file"]) if params["recipients_file"] else DEFAULT_RECIPIENTS
    with source.open(newline="", encoding="utf-8") as handle:
        numbers = {(row.get("phone") or "").strip() for row in csv.DictReader(handle)} - {""}
    return {
        "code": approval_code(context["dag"].dag_id, context["run_id"]),
        "recipients_file": str(source),
        "recipients": len(numbers),
    }


@task.short_circuit
def approved(reply: str) -> bool:
    """Let the campaign go on a ``YES <code>``; skip it on a ``NO <code>``."""
    return is_yes(reply)


with DAG(
    DAG_ID,
    description="A manager approves the day's campaign by replying YES <code> by SMS before it is sent",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["example", "sms"],
    params={
        "sms_conn_id": Param(
            os.environ.get("SMS_EXAMPLE_APPROVAL_CONN_ID", "sinch_default"),
            type="string",
            description="A sinch or fonedynamics connection",
        ),
        "our_number": Param(
            os.environ.get("SMS_EXAMPLE_APPROVAL_NUMBER", "+61400000100"),
            type="string",
            description="Our number, E.164: the ask comes from it and the manager answers to it",
        ),
        "manager": Param(
            os.environ.get("SMS_EXAMPLE_MANAGER", "+61400000007"),
            type="string",
            description="The manager who approves, E.164",
        ),
        "sender": Param("ACME", type="string", description="Sender id of the campaign"),
        "recipients_file": Param(
            "", type="string", description="Recipients CSV (phone, name); empty: dags/data/launch_list.csv"
        ),
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=float(os.environ.get("SMS_EXAMPLE_RETRY_DELAY_S", 30))),
    },
):
    prepared = prepare_approval()
    ask = PythonOperator(
        task_id="ask_manager",
        python_callable=stand_in,
        op_kwargs={
            "sms_conn_id": "{{ params.sms_conn_id }}",
            "to": "{{ params.manager }}",
            "from_": "{{ params.our_number }}",
            "body": ASK,
        },
    )
    reply = PythonSensor(
        task_id="wait_for_reply",
        python_callable=stand_in_sensor,
        op_kwargs={
            "sms_conn_id": "{{ params.sms_conn_id }}",
            "from_number": "{{ params.manager }}",
            "to_number": "{{ params.our_number }}",
            "body_pattern": ANSWER_PATTERN,
        },
        mode="reschedule",
        poke_interval=POLL_INTERVAL_S,
        timeout=APPROVAL_TIMEOUT_S,
        soft_fail=True,
    )
    send = PythonOperator(
        task_id="send_campaign",
        python_callable=stand_in,
        op_kwargs={
            "sms_conn_id": "{{ params.sms_conn_id }}",
            "to": PREPARED + "{{ run.recipients_file }}",
            "body": CAMPAIGN,
            "from_": "{{ params.sender }}",
        },
    )
    prepared >> ask >> reply
    approved(reply.output) >> send
