"""``SmsDeliveryReportSensor``: wait until delivery reports meet a condition; fail as soon as they cannot."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.hooks.sms import failing_without_retry
from airflow_provider_sms.hooks.tracking import RecipientState, best_states, only_recipients
from airflow_provider_sms.models.sms import mask_msisdn
from airflow_provider_sms.sensors.batch import BatchWaitSensor
from airflow_provider_sms.triggers.batch import Verdict, WaitCondition
from airflow_provider_sms.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Context

#: XCom key under which a failing sensor still publishes its result.
FAILED_RESULT_XCOM_KEY = "delivery_report"
#: Columns of the per-recipient report file.
REPORT_COLUMNS = ("batch_id", "recipient", "status", "final", "vendor_status", "vendor_code")
#: The most failed recipients the result lists; the report file holds them all.
MAX_FAILED_LISTED_LIMIT = 1000


class SmsDeliveryReportSensor(BatchWaitSensor):
    """Wait until enough messages reached a success status; fail fast once that can no longer happen.

    Counted are the messages to ``recipients`` or, when ``None``, every message of the batch(es). The
    sensor succeeds when at least ``ceil(min_success_ratio * counted)`` of them are in one of
    ``success_statuses``, and fails (without retry) as soon as so many have ended otherwise that the
    ratio cannot be reached, with the numbers in the error.

    Returns the summary of :class:`~airflow_provider_sms.sensors.batch.SmsBatchSensor` plus ``succeeded``,
    ``failed``, ``required``, ``failed_recipients`` (at most ``max_failed_listed``, numbers masked),
    ``failed_recipients_total`` and ``report_path``. When it fails, the same result is pushed to XCom
    under the key ``delivery_report``. The full per-recipient report (numbers unmasked, for resends) goes
    to ``report_path`` as CSV instead of XCom.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection. (templated)
    :param batch_id: One batch id, a list of them, or ``SmsSendOperator``'s result. (templated)
    :param recipients: Only these E.164 numbers count; ``None`` counts every message. (templated)
    :param success_statuses: Neutral statuses that count as success: ``delivered`` (default), ``sent`` ...
    :param min_success_ratio: Share of counted messages that must succeed, greater than 0 and at most 1.
    :param report_path: CSV file to write the per-recipient report to when the sensor ends; its directory
        must exist and be writable, which is checked before the wait. (templated)
    :param max_failed_listed: How many failed recipients the result lists at most, 0 to 1000.
    :param kwargs: Passed to the base sensor: ``deferrable`` (wait in the triggerer instead of a worker;
        defaults to ``[operators] default_deferrable``), ``poke_interval``, ``timeout``, ``soft_fail`` ...
    """

    template_fields: tuple[str, ...] = (*BatchWaitSensor.template_fields, "recipients", "report_path")

    def __init__(
        self,
        *,
        sms_conn_id: str,
        batch_id: str | list[str] | dict[str, Any],
        recipients: Sequence[str] | None = None,
        success_statuses: Sequence[str] = ("delivered",),
        min_success_ratio: float = 1.0,
        report_path: str | None = None,
        max_failed_listed: int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(sms_conn_id=sms_conn_id, batch_id=batch_id, **kwargs)
        self.recipients = recipients
        self.success_statuses = tuple(success_statuses)
        self.min_success_ratio = min_success_ratio
        self.report_path = report_path
        self.max_failed_listed = _checked_max_failed_listed(max_failed_listed)

    def execute(self, context: Context) -> Any:
        """Check ``report_path`` (a bad one fails without retry, before the wait), then wait.

        :param context: The task context.
        """
        with failing_without_retry():
            check_report_path(self.report_path)
        return super().execute(context)

    def wait_condition(self) -> WaitCondition:
        """Enough of the counted messages in a success status."""
        return WaitCondition.build(
            "delivery",
            recipients=self.recipients,
            success_statuses=self.success_statuses,
            min_success_ratio=self.min_success_ratio,
        )

    def conclude(self, context: Context, verdict: Verdict) -> dict[str, Any]:
        """Add the failed recipients (and the report file), then return the result or fail with it.

        :param context: The task context.
        :param verdict: The final verdict.
        """
        with failing_without_retry():
            condition = self.wait_condition()
        states = self._recipient_states(condition)
        failed = [
            s for s in states if s.state.final and s.state.status.value not in condition.success_statuses
        ]
        result = dict(verdict.summary)
        result["failed_recipients"] = [_failed_entry(s) for s in failed[: self.max_failed_listed]]
        result["failed_recipients_total"] = len(failed)
        result["report_path"] = None
        if self.report_path:
            rows = write_report(self.report_path, states)
            result["report_path"] = str(self.report_path)
            self.log.info("Wrote the report of %d recipients to %s", rows, self.report_path)
        if failed:
            shown = ", ".join(f"{e['recipient']} ({e['vendor_status']})" for e in result["failed_recipients"])
            self.log.warning(
                "%d recipients failed; first %d: %s", len(failed), len(result["failed_recipients"]), shown
            )
        if verdict.outcome == "failure":
            context["ti"].xcom_push(key=FAILED_RESULT_XCOM_KEY, value=result)
            raise AirflowFailException(verdict.message)
        self.log.info("%s", verdict.message)
        return result

    def _recipient_states(self, condition: WaitCondition) -> list[RecipientState]:
        reported = best_states(s for batch_id in self.batch_ids for s in self.hook.recipient_states(batch_id))
        batch_id = self.batch_ids[0]
        return only_recipients(batch_id, reported.values(), condition.recipients)


def _checked_max_failed_listed(value: object) -> int:
    """Return ``value`` if it is a whole number from 0 to :data:`MAX_FAILED_LISTED_LIMIT`, else raise.

    A negative number would slice the list from its end and list all but the last few.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FAILED_LISTED_LIMIT:
        shown = repr(value) if isinstance(value, (int, float, str)) else f"<{type(value).__name__}>"
        rule = f"must be a whole number from 0 to {MAX_FAILED_LISTED_LIMIT} (the report file lists them all)"
        raise SmsValidationError(
            [Problem("max_failed_listed", shown, rule)],
            subject="sensor arguments",
            consequence="no request was made",
        )
    return value


def _failed_entry(item: RecipientState) -> dict[str, Any]:
    state = item.state
    return {
        "batch_id": item.batch_id,
        "recipient": mask_msisdn(item.recipient),
        "status": state.status.value,
        "vendor_status": state.vendor_status,
        "vendor_code": state.vendor_code,
    }


def check_report_path(path: object) -> None:
    """Fail unless a report can be written to ``path``: a file name in an existing, writable directory.

    :param path: The ``report_path`` argument; ``None`` or empty writes no report.
    :raises SmsValidationError: naming ``report_path``, the path and the rule.
    """
    if path is None or path == "":
        return
    if not isinstance(path, (str, os.PathLike)):
        problem = Problem("report_path", f"<{type(path).__name__}>", "must be a file path")
        raise SmsValidationError([problem], "sensor arguments", "no request was made")
    target = Path(path)
    rule = None
    if target.is_dir():
        rule = "is a directory: name the report file in it"
    elif not target.parent.is_dir():
        rule = f"must be in an existing directory, and {str(target.parent)!r} does not exist"
    elif not os.access(target.parent, os.W_OK | os.X_OK):
        rule = f"must be in a directory this worker can write to, and {str(target.parent)!r} is not"
    if rule is not None:
        raise SmsValidationError(
            [Problem("report_path", repr(str(path)), rule)], "sensor arguments", "no request was made"
        )


def write_report(path: str | os.PathLike[str], states: Iterable[RecipientState]) -> int:
    """Write one CSV row per recipient, replacing the file at once (never a half-written report).

    The numbers are written in full: the file is meant for resends. Keep it where only the DAG's owners
    can read it.

    :param path: Where to write; the directory must exist.
    :param states: The recipients' states.
    :return: How many rows were written.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    rows = 0
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(REPORT_COLUMNS)
            for item in states:
                state = item.state
                code = "" if state.vendor_code is None else state.vendor_code
                writer.writerow(
                    (
                        item.batch_id,
                        item.recipient,
                        state.status.value,
                        state.final,
                        state.vendor_status,
                        code,
                    )
                )
                rows += 1
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return rows
