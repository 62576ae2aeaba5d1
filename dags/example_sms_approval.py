"""Approval by SMS: a manager approves the day's campaign by texting back ``YES <code>`` before it goes out.

1. ``prepare_approval``: copies the recipients of ``params.recipients_file`` (default
   ``data/launch_list.csv``) to the run's file under ``params.work_dir``, leaving out the numbers in the
   opt-out file (those that answered STOP: ``example_sms_inbound_stop``), counts them, and makes the run's
   approval code: four digits from a hash of the DAG and run id, so a retry, or a clear of the run, asks
   with the same code, and a reply meant for another run does not match. If everyone has opted out, the
   run skips: nobody is asked, nothing is sent. Only the code, the file's path and the counts go to XCom,
   never numbers.
2. ``ask_manager``: ``SmsSendOperator`` texts ``params.manager`` from ``params.our_number``: ``Send the
   campaign for <ds> to <N> people? Reply YES <code> (or NO <code> to cancel)``. Its idempotency key comes
   from the task instance, so a retry does not ask twice.
3. ``wait_for_reply``: the deferrable ``SmsReplySensor`` waits, in the triggerer, for the manager's
   ``YES <code>`` or ``NO <code>`` (any case) to our number; any other text, another code or another
   sender does not count. After ``SMS_EXAMPLE_APPROVAL_TIMEOUT_S`` seconds without an answer it is skipped
   (``soft_fail``), and so is everything after it: no answer means no campaign, and the run still succeeds.
4. ``approved``: a short-circuit on the reply's text: ``NO`` skips the campaign at once.
5. ``send_campaign``: ``SmsSendOperator`` sends the campaign to every recipient of the run's file, once.
   ``work_dir`` must be storage every worker shares: the task fails at once, saying so, if the file is not
   there (``sms_campaign_support/storage``).

The defaults of ``sms_conn_id``, ``our_number`` and ``manager`` come from ``SMS_EXAMPLE_APPROVAL_CONN_ID``,
``SMS_EXAMPLE_APPROVAL_NUMBER`` and ``SMS_EXAMPLE_MANAGER`` when the DAG is parsed; a run's ``conf`` may
override them. ``our_number`` must be a number the manager can answer (Sinch: one of the service plan's
numbers; Fone Dynamics: one of the account's numbers), not an alphanumeric sender id.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, get_current_context, task
from sms_campaign_support.airflow_compat import AirflowSkipException
from sms_campaign_support.opt_out import opt_out_path, read_opt_outs, without_opt_outs
from sms_campaign_support.storage import require_recipients_file

from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sensors.reply import SmsReplySensor

DAG_ID = "example_sms_approval"
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


def run_dir(params: dict[str, Any], run_id: str) -> Path:
    """Return the run's directory for its recipients file.

    :param params: The run's params.
    :param run_id: The DAG run's id.
    """
    base = params["work_dir"] or os.path.join(tempfile.gettempdir(), "sms-campaigns")
    return Path(base) / DAG_ID / re.sub(r"[^\w.-]", "_", run_id)


@task
def prepare_approval() -> dict[str, Any]:
    """Write the run's recipients file without opted-out numbers; return its path, counts and the code."""
    context = get_current_context()
    params = context["params"]
    source = Path(params["recipients_file"]) if params["recipients_file"] else DEFAULT_RECIPIENTS
    target = run_dir(params, context["run_id"]) / "recipients.csv"
    counts = without_opt_outs(source, target, read_opt_outs(opt_out_path()))
    if not counts["recipients"]:
        raise AirflowSkipException(f"Everyone in {source.name} has opted out: nobody to ask about")
    return {
        "code": approval_code(context["dag"].dag_id, context["run_id"]),
        "recipients_file": str(target),
        **counts,
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
        "work_dir": Param("", type="string", description="Shared directory for the run's recipients file"),
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=float(os.environ.get("SMS_EXAMPLE_RETRY_DELAY_S", 30))),
    },
):
    prepared = prepare_approval()
    ask = SmsSendOperator(
        task_id="ask_manager",
        sms_conn_id="{{ params.sms_conn_id }}",
        to="{{ params.manager }}",
        from_="{{ params.our_number }}",
        body=ASK,
    )
    reply = SmsReplySensor(
        task_id="wait_for_reply",
        sms_conn_id="{{ params.sms_conn_id }}",
        from_number="{{ params.manager }}",
        to_number="{{ params.our_number }}",
        body_pattern=ANSWER_PATTERN,
        deferrable=True,
        poke_interval=POLL_INTERVAL_S,
        timeout=APPROVAL_TIMEOUT_S,
        soft_fail=True,
    )
    send = SmsSendOperator(
        task_id="send_campaign",
        sms_conn_id="{{ params.sms_conn_id }}",
        to=PREPARED + "{{ run.recipients_file }}",
        body=CAMPAIGN,
        from_="{{ params.sender }}",
        pre_execute=require_recipients_file,
    )
    prepared >> ask >> reply
    approved(reply.output) >> send
