"""Bad input, as a careless or hostile user would give it, to every operator, sensor, the notifier and hooks.

Each case must end in the provider's error naming the field (numbers masked), before any request: the
sandbox's counters of requests (``vendor_requests`` counts every one) and of what they create must not
move; deliveries of earlier tests' messages, which tick on with the sandbox's clock, are left out.
Connection settings have their own cases (``test_bad_connections.py``, with the connection checks).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_provider_sms.exceptions import SmsCapabilityError, SmsValidationError
from airflow_provider_sms.operators.cancel import SmsCancelBatchOperator
from airflow_provider_sms.operators.dry_run import SmsDryRunOperator
from airflow_provider_sms.operators.feedback import SmsDeliveryFeedbackOperator
from airflow_provider_sms.operators.replace import SmsReplaceBatchOperator
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.operators.update import SmsUpdateBatchOperator
from airflow_provider_sms.sandbox.testing import SandboxServer
from airflow_provider_sms.sensors.batch import SmsBatchSensor
from airflow_provider_sms.sensors.delivery_report import SmsDeliveryReportSensor
from tests.reliability.conftest import VENDORS
from tests.reliability.targets import Case, Csv, hook, notifier, task

A, B = "+61400200005", "+61400200006"
#: Text bodies no handset should get, each with the field it breaks.
BAD_BODIES: dict[str, object] = {
    "empty": "",
    "spaces": "  \n\t ",
    "bytes": b"Your code is 1234",
    "bytearray": bytearray(b"Your code"),
    "nul": "Alert\x00 ended",
    "bell": "Wake up\x07",
    "escape": "\x1b[31mred alert",
    "delete": "Rubout\x7f",
    "c1-control": "Next\x85line",
    "lone-surrogate": "Broken \ud83d emoji",
    "15-gsm-parts": "a" * 2143,
    "15-ucs2-parts": "ж" * 939,
    "dict": {"text": "hi"},
    "list": ["hi"],
    "bool": True,
}
LATIN1_CSV = Csv("phone,name\n+61400200005,Zoë\n".encode("latin-1"))
HUGE_CELL_CSV = Csv(b"phone,name\n+61400200005," + b"x" * 10_000_000 + b"\n")
NO_PHONE_CSV = Csv(b"number,name\n+61400200005,Ada\n")
ESCAPE_CELL_CSV = Csv(b"phone,name\n+61400200005,Ada\x1b[2J\n")
BAD_ROW_CSV = Csv(b"phone,name\n+61400200005,Ada\n0400200006,Bob\n")


def send_cases() -> list[Case]:
    cases: list[Case] = []
    for vendor in VENDORS:
        for operator, name in ((SmsSendOperator, "send"), (SmsDryRunOperator, "dry_run")):
            for what, body in BAD_BODIES.items():
                run = task(operator, vendor, to=[A], body=body)
                cases.append(Case(f"{name}-{vendor}-body-{what}", run, "body"))
            cases.append(Case(f"{name}-{vendor}-body-none", task(operator, vendor, to=[A]), "body"))
        send = SmsSendOperator
        bad_to: dict[str, tuple[object, str]] = {
            "digits-string": ("61400200005", "to"),
            "empty-list": ([], "to/messages"),
            "dict": ({A: "Ada"}, "to"),
            "bytes": (A.encode(), "to"),
            "float": (61400200005.0, "to"),
            "national-number": ([A, "0400200006"], "to[1]"),
            "none-item": ([A, None], "to[1]"),
            "spaced-number": (["+61 400 200 005"], "to[0]"),
            "list-as-text": (f"['{A}', '{B}']", "to"),
            "missing-file": ("/no/such/dir/recipients.csv", "to"),
            "latin1-file": (LATIN1_CSV, "to"),
            "huge-cell": (HUGE_CELL_CSV, "to"),
            "no-phone-column": (NO_PHONE_CSV, "to"),
            "escape-in-cell": (ESCAPE_CELL_CSV, "to[0]"),
            "bad-row": (BAD_ROW_CSV, "to[1]"),
        }
        for what, (to, named) in bad_to.items():
            body = "Hi ${name}" if isinstance(to, Csv) else "Hi"
            cases.append(Case(f"send-{vendor}-to-{what}", task(send, vendor, to=to, body=body), named))
        others: dict[str, tuple[dict[str, object], str]] = {
            "reference-spaces": ({"client_reference": "spring sale!"}, "client_reference"),
            "reference-list": ({"client_reference": ["spring"]}, "client_reference"),
            "chunk-zero": ({"chunk_size": 0}, "chunk_size"),
            "chunk-words": ({"chunk_size": "ten"}, "chunk_size"),
            "chunk-too-big": ({"chunk_size": 5000}, "chunk_size"),
            "past-schedule": ({"past_schedule": "later"}, "past_schedule"),
            "send-at-words": ({"send_at": "tomorrow morning"}, "send_at"),
            "invalid-recipients": ({"invalid_recipients": "drop"}, "invalid_recipients"),
            "options-list": ({"vendor_options": ["flash"]}, "vendor_options"),
            "options-unknown": ({"vendor_options": {"loudness": 11}}, "vendor_options.loudness"),
            "parameters-text": ({"parameters": "name=Ada"}, "parameters"),
            "encoding-unknown": ({"encoding": "klingon-8"}, "encoding"),
            "sender-symbols": ({"from_": "Sale!!!"}, "from_"),
        }
        for what, (arguments, named) in others.items():
            run = task(send, vendor, **{"to": [A], "body": "Hi", **arguments})
            cases.append(Case(f"send-{vendor}-{what}", run, named))
        messages: dict[str, tuple[object, str]] = {
            "empty-body": ([{"to": A, "body": ""}], "messages[0].body"),
            "bytes-body": ([{"to": A, "body": b"x"}], "messages[0].body"),
            "escape-body": ([{"to": A, "body": "\x1b[0m"}], "messages[0]"),
            "float-number": ([{"to": 61400200005.5, "body": "Hi"}], "messages[0].to"),
            "extra-key": ([{"to": A, "body": "Hi", "from": "X"}], "messages[0]"),
            "text": ("Hi everyone", "messages"),
        }
        for what, (value, named) in messages.items():
            cases.append(Case(f"send-{vendor}-messages-{what}", task(send, vendor, messages=value), named))
        with_parameters = task(send, vendor, messages=[{"to": A, "body": "Hi"}], parameters={"a": {}})
        cases.append(Case(f"send-{vendor}-messages-with-parameters", with_parameters, "parameters"))
        for what, budget in (
            ("max-parts-negative", {"max_parts": -1}),
            ("max-messages", {"max_messages": "x"}),
        ):
            named = next(iter(budget))
            run = task(SmsDryRunOperator, vendor, to=[A], body="Hi", **budget)
            cases.append(Case(f"dry_run-{vendor}-{what}", run, named))
    sinch_parts = task(
        SmsSendOperator, "sinch", to=[A], body="Hi", vendor_options={"max_number_of_message_parts": 0}
    )
    cases.append(Case("send-sinch-max-parts-zero", sinch_parts, "max_number_of_message_parts"))
    return cases


def native_cases() -> list[Case]:
    """Templates that ``render_template_as_native_obj=True`` turns into ints, dicts and lists."""
    cases: list[Case] = []
    for vendor in VENDORS:
        native: dict[str, tuple[dict[str, object], dict[str, object], str]] = {
            "body-dict": ({"body": "{{ params.body }}"}, {"body": {"text": "Hi"}}, "body"),
            "body-list": ({"body": "{{ params.body }}"}, {"body": ["Hi"]}, "body"),
            "body-bool": ({"body": "{{ params.body }}"}, {"body": False}, "body"),
            "to-short-int": ({"to": "{{ params.to }}"}, {"to": 12345}, "to[0]"),
            "to-int-list": ({"to": "{{ params.to }}"}, {"to": [61400200005, 12]}, "to[1]"),
            "to-dict": ({"to": "{{ params.to }}"}, {"to": {"a": 61400200005}}, "to"),
            "reference-dict": (
                {"client_reference": "{{ params.ref }}"},
                {"ref": {"a": 1}},
                "client_reference",
            ),
            "chunk-zero": ({"chunk_size": "{{ params.size }}"}, {"size": 0}, "chunk_size"),
        }
        for what, (templates, values, named) in native.items():
            arguments = {"to": [A], "body": "Hi", **templates}
            run = task(SmsSendOperator, vendor, native=values, **arguments)
            cases.append(Case(f"native-send-{vendor}-{what}", run, named))
        report = task(
            SmsDeliveryReportSensor, vendor, native={"r": 12345}, batch_id="B1", recipients="{{ params.r }}"
        )
        cases.append(Case(f"native-report-{vendor}-recipients-short-int", report, "recipients[0]"))
        for what, value, named in (
            ("to-dict", {"a": 1}, "to"),
            ("to-float", 6.1, "to"),
            ("to-none", None, "to"),
        ):
            run = notifier(vendor, native={"to": value}, to="{{ params.to }}", body="Hi")
            cases.append(Case(f"native-notify-{vendor}-{what}", run, named, SmsValidationError, None))
        run = notifier(vendor, native={"body": {"a": 1}}, to=[A], body="{{ params.body }}")
        cases.append(Case(f"native-notify-{vendor}-body-dict", run, "body", SmsValidationError, None))
    return cases


def batch_cases() -> list[Case]:
    """Replace, update, cancel and feedback: bad values fail before the batches are read."""
    cases: list[Case] = []
    replace_fields: dict[str, tuple[dict[str, object], str]] = {
        **{f"body-{what}": ({"body": body}, "body") for what, body in BAD_BODIES.items()},
        "to-national": ({"to": ["0400200005"]}, "to[0]"),
        "to-twice": ({"to": [A, A]}, "to"),
        "sender": ({"from_": "Sale!!!"}, "from_"),
        "send-at": ({"send_at": "soon"}, "send_at"),
        "expire-at": ({"expire_at": "2020-01-01"}, "expire_at"),
        "reference-long": ({"client_reference": "r" * 129}, "client_reference"),
        "report-kind": ({"vendor_options": {"delivery_report": "loud"}}, "delivery_report"),
        "parameters": ({"parameters": {"name": "Ada"}}, "parameters"),
    }
    for what, (fields, named) in replace_fields.items():
        arguments = {"batch_id": "01REL", "body": "New text", **fields}
        cases.append(
            Case(f"replace-sinch-{what}", task(SmsReplaceBatchOperator, "sinch", **arguments), named)
        )
    update_fields: dict[str, tuple[dict[str, object], str]] = {
        **{f"body-{what}": ({"body": body}, "body") for what, body in BAD_BODIES.items()},
        "body-1601-chars": ({"body": "a" * 1601}, "body"),
        "to-add-national": ({"to_add": ["0400200005"]}, "to_add[0]"),
        "to-remove-words": ({"to_remove": ["everyone"]}, "to_remove[0]"),
        "send-at": ({"send_at": "soon"}, "send_at"),
        "callback": ({"vendor_options": {"callback_url": "ftp://example.com/x"}}, "callback_url"),
        "nothing": ({}, "(request)"),
    }
    for what, (fields, named) in update_fields.items():
        cases.append(
            Case(
                f"update-sinch-{what}",
                task(SmsUpdateBatchOperator, "sinch", batch_id="01REL", **fields),
                named,
            )
        )
    bad_ids: dict[str, tuple[object, str]] = {
        "empty": ("", "batch_id[0]"),
        "none": (None, "batch_id"),
        "empty-list": ([], "batch_id"),
        "ints": ([1, 2], "batch_id[0]"),
        "mapping": ({"ids": ["B1"]}, "batch_id"),
        "rendered-list": ("['B1', 'B2']", "batch_id"),
        "rendered-result": ("{'batch_ids': ['B1']}", "batch_id"),
    }
    for what, (batch_id, named) in bad_ids.items():
        cases.append(
            Case(f"cancel-sinch-id-{what}", task(SmsCancelBatchOperator, "sinch", batch_id=batch_id), named)
        )
        sensor = task(SmsBatchSensor, "sinch", batch_id=batch_id)
        cases.append(Case(f"batch-sensor-sinch-id-{what}", sensor, named))
    for what, recipients, named in (
        ("national", ["0400200005"], "recipients[0]"),
        ("words", ["everyone"], "recipients[0]"),
        ("dict", {A: 1}, "recipients"),
    ):
        run = task(SmsDeliveryFeedbackOperator, "sinch", batch_id="01REL", recipients=recipients)
        cases.append(Case(f"feedback-sinch-{what}", run, named))
    for operator in (SmsReplaceBatchOperator, SmsUpdateBatchOperator, SmsCancelBatchOperator):
        run = task(
            operator,
            "fonedynamics",
            batch_id="k@1",
            **({"body": "x"} if operator is not SmsCancelBatchOperator else {}),
        )
        cases.append(
            Case(f"{operator.__name__}-fonedynamics", run, "Fone Dynamics", cause=SmsCapabilityError)
        )
    return cases


def sensor_cases(report_dir: str) -> list[Case]:
    cases: list[Case] = []
    for vendor in VENDORS:
        batch_id = "01REL" if vendor == "sinch" else "key@1700000000"
        sensor_fields: dict[str, tuple[dict[str, object], str]] = {
            "recipients-national": ({"recipients": ["0400200005"]}, "recipients[0]"),
            "recipients-empty": ({"recipients": []}, "recipients"),
            "recipients-dict": ({"recipients": {A: 1}}, "recipients"),
            "recipients-bytes": ({"recipients": A.encode()}, "recipients"),
            "statuses": ({"success_statuses": ["ok"]}, "success_statuses[0]"),
            "ratio-zero": ({"min_success_ratio": 0}, "min_success_ratio"),
            "ratio-text": ({"min_success_ratio": "1"}, "min_success_ratio"),
            "report-missing-dir": ({"report_path": "/no/such/dir/report.csv"}, "report_path"),
            "report-is-dir": ({"report_path": report_dir}, "report_path"),
        }
        for what, (fields, named) in sensor_fields.items():
            run = task(SmsDeliveryReportSensor, vendor, batch_id=batch_id, **fields)
            cases.append(Case(f"report-sensor-{vendor}-{what}", run, named))
    fone_id = task(SmsBatchSensor, "fonedynamics", batch_id="01-not-a-fone-id")
    cases.append(Case("batch-sensor-fonedynamics-id-form", fone_id, "batch_id"))
    return cases


def notifier_cases() -> list[Case]:
    cases: list[Case] = []
    for vendor in VENDORS:
        for what, body in BAD_BODIES.items():
            run = notifier(vendor, to=[A], body=body)
            cases.append(Case(f"notify-{vendor}-body-{what}", run, "body", SmsValidationError, None))
        bad_to: dict[str, tuple[object, str]] = {
            "dict": ({A: "on call"}, "to"),
            "none": (None, "to"),
            "short-int": (12345, "to[0]"),
            "set": ({A}, "to"),
            "bytes": (A.encode(), "to"),
            "national": ("0400200005", "to[0]"),
            "second-bad": ([A, "+0"], "to[1]"),
        }
        for what, (to, named) in bad_to.items():
            cases.append(
                Case(
                    f"notify-{vendor}-to-{what}",
                    notifier(vendor, to=to, body="Hi"),
                    named,
                    SmsValidationError,
                    None,
                )
            )
        run = notifier(vendor, to=[A], body="Hi", from_="Sale!!!")
        cases.append(Case(f"notify-{vendor}-sender", run, "from_", SmsValidationError, None))
    return cases


def hook_cases() -> list[Case]:
    cases: list[Case] = []
    for what, body in BAD_BODIES.items():
        for method, arguments in (
            ("send_batch", {"to": [A]}),
            ("dry_run", {"to": [A]}),
            ("replace_batch", {"batch_id": "01REL", "to": [A]}),
            ("update_batch", {"batch_id": "01REL"}),
        ):
            run = hook("sinch", method, **arguments, body=body)
            cases.append(Case(f"hook-sinch-{method}-body-{what}", run, "body", SmsValidationError, None))
        run = hook("sinch", "plan_replace", ["01REL"], {"body": body})
        cases.append(Case(f"hook-sinch-plan_replace-body-{what}", run, "body", SmsValidationError, None))
        run = hook("sinch", "plan_update", ["01REL"], {"body": body})
        cases.append(Case(f"hook-sinch-plan_update-body-{what}", run, "body", SmsValidationError, None))
        run = hook("fonedynamics", "send_message", to=A, text=body)
        cases.append(Case(f"hook-fone-send_message-text-{what}", run, "text", SmsValidationError, None))
        run = hook("fonedynamics", "send_messages", [{"to": A, "text": body}])
        cases.append(
            Case(f"hook-fone-send_messages-text-{what}", run, "messages[0].text", SmsValidationError, None)
        )
    sinch_other: dict[str, tuple[dict[str, object], str]] = {
        "body-2001-chars": ({"to": [A], "body": "a" * 2001}, "body"),
        "to-empty": ({"to": [], "body": "Hi"}, "to"),
        "to-twice": ({"to": [A, A], "body": "Hi"}, "to"),
        "max-parts-zero": (
            {"to": [A], "body": "Hi", "max_number_of_message_parts": 0},
            "max_number_of_message_parts",
        ),
        "parts-over-own-max": ({"to": [A], "body": "a" * 400, "max_number_of_message_parts": 2}, "body"),
        "binary-bytes": ({"to": [A], "type": "mt_binary", "body": b"\x01\x02", "udh": ""}, "body"),
        "binary-not-base64": ({"to": [A], "type": "mt_binary", "body": "not base64!", "udh": ""}, "body"),
    }
    for what, (arguments, named) in sinch_other.items():
        run = hook("sinch", "send_batch", **arguments)
        cases.append(Case(f"hook-sinch-send_batch-{what}", run, named, SmsValidationError, None))
    return cases


def all_cases(report_dir: str) -> list[Case]:
    return [
        *send_cases(),
        *native_cases(),
        *batch_cases(),
        *sensor_cases(report_dir),
        *notifier_cases(),
        *hook_cases(),
    ]


#: An existing directory: a report_path naming it is refused.
REPORT_DIR = str(Path(__file__).parent)
CASES = all_cases(REPORT_DIR)


def test_the_table_has_at_least_150_distinct_cases() -> None:
    assert len(CASES) >= 150
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_fails_naming_the_field_before_any_request(
    case: Case, connections: SandboxServer, tmp_path: Path
) -> None:
    before = request_counters(connections)

    with pytest.raises(case.error) as raised:
        case.run(tmp_path)

    message = str(raised.value)
    if case.cause is not None:
        assert isinstance(raised.value.__cause__, case.cause), repr(raised.value.__cause__)
    assert re.search(re.escape(case.field) + r"[=\[. ]", message + " "), message
    assert "61400200005" not in message  # numbers are masked
    assert request_counters(connections) == before


def request_counters(sandbox: SandboxServer) -> dict[str, int]:
    """The sandbox's counters of requests and what they created; deliveries tick on with the clock."""
    ticking = (".delivered", ".failed", ".expired", "callbacks_")
    counters = sandbox.stats()["counters"]
    return {
        name: n
        for name, n in counters.items()
        if not name.startswith("sinch.messages_") and not any(t in name for t in ticking)
    }
