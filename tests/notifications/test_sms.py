"""``SmsNotifier``: renders its templates, validates before sending, masks numbers, sends sync and async."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.notifications.sms import SmsNotifier, send_sms_notification
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

ON_CALL = "+61400000007"


@pytest.fixture(params=["sinch", "fonedynamics"])
def conn_id(request: pytest.FixtureRequest, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    connection = (
        sinch_connection(sandbox.url) if request.param == "sinch" else fonedynamics_connection(sandbox.url)
    )
    monkeypatch.setenv(*connection_env("notify", connection))
    return "notify"


def wait_for_inbox(sandbox: SandboxServer, msisdn: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while not (inbox := sandbox.inbox(msisdn)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return inbox


def callback_context() -> dict[str, Any]:
    return {"run_id": "manual__1", "params": {"team": "data"}}


def test_alias_and_templated_fields() -> None:
    assert send_sms_notification is SmsNotifier
    assert SmsNotifier.template_fields == ("sms_conn_id", "to", "body", "from_")


def test_calling_renders_and_sends(conn_id: str, sandbox: SandboxServer) -> None:
    notifier = SmsNotifier(
        sms_conn_id=conn_id,
        to=[ON_CALL],
        from_="Alerts",
        body="{{ params.team }}: {{ run_id }} {{ exception }}",
    )

    notifier(callback_context())

    inbox = wait_for_inbox(sandbox, ON_CALL)
    assert [(m["from"], m["body"]) for m in inbox] == [("Alerts", "data: manual__1 None")]


def test_async_notify_sends_without_blocking_the_loop(conn_id: str, sandbox: SandboxServer) -> None:
    notifier = SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Alerts", body="deadline missed")

    asyncio.run(notifier.async_notify(callback_context()))

    assert [m["body"] for m in wait_for_inbox(sandbox, ON_CALL)] == ["deadline missed"]


def test_a_bad_number_is_rejected_masked_before_anything_is_sent(
    conn_id: str, sandbox: SandboxServer
) -> None:
    notifier = SmsNotifier(sms_conn_id=conn_id, to=[ON_CALL, "0488023555"], from_="Alerts", body="x")

    with pytest.raises(SmsValidationError) as caught:
        notifier.notify(callback_context())

    assert "04880**555" in str(caught.value)
    assert "0488023555" not in str(caught.value)
    time.sleep(0.7)
    assert sandbox.inbox(ON_CALL) == []


def test_a_blank_body_is_rejected(conn_id: str) -> None:
    with pytest.raises(SmsValidationError, match="body='   ': must contain at least one non-space character"):
        SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Alerts", body="   ").notify(callback_context())


def test_the_log_masks_numbers(conn_id: str) -> None:
    notifier = SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Alerts", body="x")
    notifier._log = mock.Mock()

    notifier.notify(callback_context())

    logged = "\n".join(call.args[0] % call.args[1:] for call in notifier._log.info.call_args_list)
    assert "Sent SMS notification" in logged
    assert "+6140****007" in logged
    assert ON_CALL not in logged


def _deadline_trigger(callback_kwargs: dict[str, Any]) -> Any:
    """The trigger that runs a deadline alert's callback in the triggerer, on this Airflow version."""
    try:
        from airflow.triggers.callback import CallbackTrigger  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.triggers.deadline import DeadlineCallbackTrigger as CallbackTrigger  # type: ignore

    return CallbackTrigger(
        callback_path="airflow_provider_sms.notifications.sms.SmsNotifier", callback_kwargs=callback_kwargs
    )


async def _events(trigger: Any) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


def test_deadline_alert_runs_in_the_triggerer_and_renders_the_run_context(
    conn_id: str, sandbox: SandboxServer
) -> None:
    trigger = _deadline_trigger(
        {
            "sms_conn_id": conn_id,
            "to": ON_CALL,
            "from_": "Alerts",
            "body": "{{ dag_run.dag_id }} missed its deadline",
            "context": {"dag_run": {"dag_id": "nightly_load"}},
        }
    )

    events = asyncio.run(_events(trigger))

    assert events[-1]["state"] == "success", events
    assert [m["body"] for m in wait_for_inbox(sandbox, ON_CALL)] == ["nightly_load missed its deadline"]


def hitl_context(subject: str = "Send the Black Friday campaign?") -> dict[str, Any]:
    """The context a Human-in-the-loop operator gives its notifiers."""
    from airflow.providers.standard.operators.hitl import HITLOperator

    task = HITLOperator(task_id="approve", subject=subject, options=["Approve", "Reject"])
    ti = mock.Mock(dag_id="campaign", run_id="scheduled__2026-11-27", task_id="approve", map_index=-1)
    return {"task": task, "ti": ti, "run_id": ti.run_id}


def test_in_a_hitl_operator_the_sms_carries_the_subject_and_the_link(
    conn_id: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    notifier = SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Airflow")

    notifier(hitl_context())

    link = (
        "https://airflow.example.com/dags/campaign/runs/scheduled__2026-11-27/tasks/approve/required_actions"
        "?map_index=-1"
    )
    inbox = wait_for_inbox(sandbox, ON_CALL)
    assert [m["body"] for m in inbox] == [f"Send the Black Friday campaign?\n{link}"]


def test_a_hitl_body_template_can_use_the_link(
    conn_id: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    notifier = SmsNotifier(
        sms_conn_id=conn_id, to=ON_CALL, from_="Airflow", body="Reply in {{ required_action_url }}"
    )

    notifier(hitl_context())

    (message,) = wait_for_inbox(sandbox, ON_CALL)
    assert message["body"].startswith("Reply in https://airflow.example.com/dags/campaign/runs/")


def test_a_hitl_request_without_base_url_names_the_setting_and_sends_nothing(
    conn_id: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "")
    notifier = SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Airflow")

    with pytest.raises(SmsValidationError, match=r"\[api\] base_url"):
        notifier(hitl_context())

    sandbox.advance(600)
    assert sandbox.inbox(ON_CALL) == []


def test_outside_a_hitl_operator_a_body_is_required(conn_id: str, sandbox: SandboxServer) -> None:
    notifier = SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Alerts")

    with pytest.raises(SmsValidationError, match="body"):
        notifier(callback_context())

    sandbox.advance(600)
    assert sandbox.inbox(ON_CALL) == []


def test_a_callback_that_runs_twice_sends_once(conn_id: str, sandbox: SandboxServer) -> None:
    context = {**callback_context(), "ti": mock.Mock(dag_id="d", task_id="t", map_index=-1, try_number=1)}

    SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Alerts", body="paged")(dict(context))
    SmsNotifier(sms_conn_id=conn_id, to=ON_CALL, from_="Alerts", body="paged")(dict(context))

    sandbox.advance(600)
    assert [m["body"] for m in sandbox.inbox(ON_CALL)] == ["paged"]
