"""Both sensors outside a DAG run: argument checks, check-once-then-defer, pokes, events and the report."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.tracking import BatchStatus, RecipientState, StatusCount
from airflow_provider_sms.models.sms import from_sinch
from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, sinch_connection
from airflow_provider_sms.sensors.batch import SmsBatchSensor
from airflow_provider_sms.sensors.delivery_report import FAILED_RESULT_XCOM_KEY, SmsDeliveryReportSensor
from airflow_provider_sms.triggers.batch import NumberDigest, SmsBatchTrigger
from airflow_provider_sms.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)

try:
    from airflow.sdk.exceptions import AirflowSkipException, TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowSkipException, TaskDeferred  # type: ignore[no-redef]

DELIVERED, FAILED, DISPATCHED = (
    from_sinch("Delivered", 0),
    from_sinch("Failed", 1),
    from_sinch("Dispatched", 401),
)


def stub_hook(total: int, counts: list[tuple[Any, int]], states: list[RecipientState] | None = None) -> Any:
    hook = mock.Mock()
    hook.batch_status.side_effect = lambda batch_id: BatchStatus(
        batch_id, total, tuple(StatusCount(s, n) for s, n in counts)
    )
    hook.recipient_states.return_value = states or []
    hook.secret = "stub-connection-secret"
    return hook


def with_hook(sensor: Any, hook: Any) -> Any:
    sensor.__dict__["hook"] = hook
    return sensor


def context() -> dict[str, Any]:
    return {"ti": mock.Mock()}


def test_defaults_follow_airflow_and_batch_id_is_templated() -> None:
    sensor = SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id="b1")

    assert sensor.deferrable is False
    assert sensor.template_fields == ("sms_conn_id", "batch_id")
    assert SmsDeliveryReportSensor.template_fields == ("sms_conn_id", "batch_id", "recipients", "report_path")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_id": []}, "batch_id=[]: must name at least one batch"),
        ({"batch_id": {"no": "ids"}}, "batch_id=<NoneType>"),
        ({"recipients": ["0400"]}, "recipients[0]=**00: must be an E.164 number"),
        ({"min_success_ratio": 0}, "min_success_ratio=0: must be a number greater than 0"),
        ({"success_statuses": ["Delivered"]}, "success_statuses[0]='Delivered'"),
    ],
)
def test_bad_arguments_fail_without_retry_and_without_a_request(kwargs: dict[str, Any], message: str) -> None:
    hook = stub_hook(1, [(DELIVERED, 1)])
    sensor = with_hook(
        SmsDeliveryReportSensor(task_id="wait", sms_conn_id="sms", **{"batch_id": "b1", **kwargs}), hook
    )

    with pytest.raises(AirflowFailException, match=message.replace("[", r"\[").replace("*", r"\*")):
        sensor.execute(context())

    hook.batch_status.assert_not_called()


def test_deferrable_sensor_checks_once_and_returns_when_already_done() -> None:
    sensor = with_hook(
        SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id={"batch_ids": ["b1"]}, deferrable=True),
        stub_hook(2, [(DELIVERED, 2)]),
    )

    assert sensor.execute(context())["statuses"] == {"delivered": 2}


def test_deferrable_sensor_defers_to_the_trigger_with_an_absolute_deadline() -> None:
    sensor = with_hook(
        SmsBatchSensor(
            task_id="wait",
            sms_conn_id="sms",
            batch_id=["b1", "b2"],
            deferrable=True,
            timeout=600,
            poke_interval=30,
        ),
        stub_hook(2, [(DISPATCHED, 2)]),
    )

    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context())

    trigger = deferred.value.trigger
    assert isinstance(trigger, SmsBatchTrigger)
    assert trigger.batch_ids == ["b1", "b2"]
    assert trigger.poll_interval == 30
    assert trigger.condition == {
        "kind": "all_final",
        "success_statuses": ["delivered"],
        "min_success_ratio": 1.0,
    }
    assert abs(trigger.end_time - (time.time() + 600)) < 5
    assert deferred.value.method_name == "execute_complete"


def test_a_deferred_sensor_hands_the_trigger_digests_of_its_recipients_not_the_numbers() -> None:
    numbers = ["+61400200005", "+61400200006"]
    sensor = with_hook(
        SmsDeliveryReportSensor(
            task_id="wait", sms_conn_id="sms", batch_id="b1", recipients=numbers, deferrable=True
        ),
        stub_hook(2, [(DISPATCHED, 2)]),
    )

    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context())

    _, kwargs = deferred.value.trigger.serialize()
    stored = json.dumps(kwargs)
    assert not any(number[-9:] in stored for number in numbers)
    digest = NumberDigest("stub-connection-secret")
    assert kwargs["condition"]["recipient_digests"] == [digest(number) for number in numbers]
    assert kwargs["condition"]["digest_key_id"] == digest.key_id


def test_poke_mode_times_out_as_airflow_does_after_logging_the_last_counts() -> None:
    sensor = with_hook(
        SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id="b1", timeout=0.3, poke_interval=0.05),
        stub_hook(2, [(DELIVERED, 1), (DISPATCHED, 1)]),
    )

    with (
        mock.patch.object(sensor.log, "info") as info,
        pytest.raises(AirflowSensorTimeout, match="timed out"),
    ):
        sensor.execute(context())
    assert "1 of 2 messages of batch b1 final: delivered 1, sent 1" in [
        c.args[1] for c in info.call_args_list
    ]


def test_poke_mode_soft_fail_skips_on_time_out() -> None:
    sensor = with_hook(
        SmsBatchSensor(
            task_id="wait", sms_conn_id="sms", batch_id="b1", timeout=0.2, poke_interval=0.05, soft_fail=True
        ),
        stub_hook(2, [(DISPATCHED, 2)]),
    )

    with pytest.raises(AirflowSkipException):
        sensor.execute(context())


def test_poke_treats_a_transient_error_as_not_yet_and_raises_other_api_errors() -> None:
    from airflow_provider_sms.exceptions import SmsNotFoundError, SmsServerError

    hook = stub_hook(1, [(DELIVERED, 1)])
    sensor = with_hook(SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id="b1"), hook)
    sensor._poke_started = time.monotonic()

    hook.batch_status.side_effect = SmsServerError(vendor="Sinch", status=503)
    assert sensor.poke(context()).is_done is False
    hook.batch_status.side_effect = SmsNotFoundError(vendor="Sinch", status=404)
    with pytest.raises(SmsNotFoundError):
        sensor.poke(context())


@pytest.mark.parametrize(
    ("event", "raised"),
    [
        ({"status": "failure", "message": "cannot", "summary": {}}, AirflowFailException),
        ({"status": "timeout", "message": "late", "summary": None}, AirflowSensorTimeout),
        ({"status": "error", "message": "bad id", "fatal": True}, AirflowFailException),
        ({"status": "error", "message": "HTTP 401", "fatal": False}, AirflowException),
    ],
)
def test_execute_complete_maps_each_ending_event(event: dict[str, Any], raised: type[Exception]) -> None:
    sensor = SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id="b1")

    with pytest.raises(raised, match=event["message"]):
        sensor.execute_complete(context(), event)


def test_execute_complete_returns_the_summary_on_success() -> None:
    sensor = SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id="b1")

    assert sensor.execute_complete(
        context(), {"status": "success", "message": "ok", "summary": {"total": 1}}
    ) == {"total": 1}


def test_soft_fail_skips_a_timed_out_deferred_sensor() -> None:
    sensor = SmsBatchSensor(task_id="wait", sms_conn_id="sms", batch_id="b1", soft_fail=True)

    with pytest.raises(AirflowSkipException):
        sensor.resume_execution(
            "execute_complete", {"event": {"status": "timeout", "message": "late"}}, context()
        )


def test_delivery_sensor_fails_fast_with_masked_failures_in_xcom_and_the_full_report_on_disk(
    tmp_path: Path,
) -> None:
    states = [
        RecipientState("b1", "+61400000001", DELIVERED),
        RecipientState("b1", "+61400000013", FAILED),
        RecipientState("b1", "+61400000002", DISPATCHED),
    ]
    report = tmp_path / "report.csv"
    sensor = with_hook(
        SmsDeliveryReportSensor(task_id="wait", sms_conn_id="sms", batch_id="b1", report_path=str(report)),
        stub_hook(3, [(DELIVERED, 1), (FAILED, 1), (DISPATCHED, 1)], states),
    )
    ctx = context()

    with pytest.raises(AirflowFailException, match="1 of 3 messages ended without reaching delivered"):
        sensor.execute(ctx)

    ctx["ti"].xcom_push.assert_called_once()
    pushed = ctx["ti"].xcom_push.call_args.kwargs
    assert pushed["key"] == FAILED_RESULT_XCOM_KEY
    assert pushed["value"]["failed_recipients"] == [
        {
            "batch_id": "b1",
            "recipient": "+6140****013",
            "status": "failed",
            "vendor_status": "Failed",
            "vendor_code": 1,
        }
    ]
    with report.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["recipient"], r["status"], r["final"]) for r in rows] == [
        ("+61400000001", "delivered", "True"),
        ("+61400000013", "failed", "True"),
        ("+61400000002", "sent", "False"),
    ]


def test_delivery_sensor_bounds_the_failed_list() -> None:
    states = [RecipientState("b1", f"+614000001{n:02d}", FAILED) for n in range(30)]
    sensor = with_hook(
        SmsDeliveryReportSensor(
            task_id="wait", sms_conn_id="sms", batch_id="b1", min_success_ratio=0.5, max_failed_listed=5
        ),
        stub_hook(100, [(DELIVERED, 70), (FAILED, 30)], states),
    )

    result = sensor.execute(context())

    assert result["failed_recipients_total"] == 30
    assert len(result["failed_recipients"]) == 5
    assert result["report_path"] is None


@pytest.mark.parametrize("value", [-5, -1, 1001, 2.5, "20", True, None])
def test_max_failed_listed_out_of_bounds_is_refused_when_the_dag_is_built(value: Any) -> None:
    with pytest.raises(
        SmsValidationError, match=r"max_failed_listed=.*must be a whole number from 0 to 1000"
    ) as raised:
        SmsDeliveryReportSensor(task_id="wait", sms_conn_id="sms", batch_id="b1", max_failed_listed=value)
    assert str(raised.value).startswith("Invalid sensor arguments, no request was made: ")


def test_max_failed_listed_zero_lists_no_failed_recipient_but_counts_them() -> None:
    states = [RecipientState("b1", f"+614000001{n:02d}", FAILED) for n in range(3)]
    sensor = with_hook(
        SmsDeliveryReportSensor(
            task_id="wait", sms_conn_id="sms", batch_id="b1", min_success_ratio=0.5, max_failed_listed=0
        ),
        stub_hook(10, [(DELIVERED, 7), (FAILED, 3)], states),
    )

    result = sensor.execute(context())

    assert (result["failed_recipients"], result["failed_recipients_total"]) == ([], 3)


def test_sensor_reads_its_connection_by_id(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*connection_env("sensor_sinch", sinch_connection(sandbox.url)))

    sensor = SmsBatchSensor(task_id="wait", sms_conn_id="sensor_sinch", batch_id="b1")

    assert sensor.hook.conn_type == "sinch"


@pytest.mark.parametrize(
    ("soft_fail", "raised"), [(True, AirflowSkipException), (False, AirflowFailException)]
)
def test_a_deferrable_sensor_that_fails_fast_before_deferring_honours_soft_fail(
    soft_fail: bool, raised: type[Exception]
) -> None:
    states = [RecipientState("b1", "+61400000013", FAILED), RecipientState("b1", "+61400000001", DELIVERED)]
    sensor = with_hook(
        SmsDeliveryReportSensor(
            task_id="wait", sms_conn_id="sms", batch_id="b1", deferrable=True, soft_fail=soft_fail
        ),
        stub_hook(2, [(FAILED, 1), (DELIVERED, 1)], states),
    )

    with pytest.raises(raised):
        sensor.execute(context())
