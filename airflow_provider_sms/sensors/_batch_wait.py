"""What both batch sensors share: argument checks, one poll, deferral to ``SmsBatchTrigger`` and its event."""

from __future__ import annotations

import time
from abc import abstractmethod
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_sms.exceptions import (
    SmsApiError,
    SmsTransportError,
)
from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.hooks.batch_ids import batch_id_list
from airflow_provider_sms.task_failures import failing_without_retry
from airflow_provider_sms.triggers.batch import SmsBatchTrigger
from airflow_provider_sms.triggers.checks import Verdict, check_batches, describe_batches
from airflow_provider_sms.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    conf,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sms.triggers.conditions import WaitCondition

#: The task-level deferral timeout is the sensor's timeout plus this, so the trigger's own deadline (and its
#: clearer message) comes first; the task-level one only fires if no triggerer ran the trigger.
DEFERRAL_GRACE_S = 60.0


class BatchWaitSensor(BaseSensorOperator):
    """Base of the SMS batch sensors: wait until batches meet :meth:`wait_condition`.

    In poke mode each poke polls once; when ``deferrable``, the sensor polls once and, unless done, defers
    to :class:`SmsBatchTrigger` and holds no worker slot while waiting. Transient API errors (429, 5xx,
    network) count as "not yet"; ``timeout`` ends the wait with a message giving the last counts.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection. (templated)
    :param batch_id: One batch id, a list of them, or ``SmsSendOperator``'s result. (templated)
    :param deferrable: Wait in the triggerer instead of a worker.
    :param kwargs: Passed to ``BaseSensorOperator`` (``poke_interval``, ``timeout``, ``soft_fail`` ...).
    """

    template_fields: tuple[str, ...] = ("sms_conn_id", "batch_id")

    def __init__(
        self,
        *,
        sms_conn_id: str,
        batch_id: str | list[str] | dict[str, Any],
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sms_conn_id = sms_conn_id
        self.batch_id = batch_id
        self.deferrable = deferrable
        self._poke_started: float | None = None

    @abstractmethod
    def wait_condition(self) -> WaitCondition:
        """Return what to wait for, checked; raise ``SmsValidationError`` on bad arguments."""

    def conclude(self, context: Context, verdict: Verdict) -> dict[str, Any]:
        """Return the task's result for a verdict that is not ``waiting``, or raise for a failure.

        :param context: The task context.
        :param verdict: The final verdict.
        """
        if verdict.outcome == "failure":
            raise AirflowFailException(verdict.message)
        self.log.info("%s", verdict.message)
        return verdict.summary

    @cached_property
    def hook(self) -> SmsHook[Any, Any]:
        """The vendor hook for ``sms_conn_id``."""
        return SmsHook.for_connection(self.sms_conn_id)

    @cached_property
    def batch_ids(self) -> list[str]:
        """The batch ids in ``batch_id``, checked."""
        return batch_id_list(self.batch_id)

    def execute(self, context: Context) -> Any:
        """Check the arguments, then poke, or poll once and defer."""
        with failing_without_retry():
            condition = self.wait_condition()
            for batch_id in self.batch_ids:
                self.hook.check_batch_id(batch_id)
        if not self.deferrable:
            self._poke_started = time.monotonic()
            return super().execute(context)
        verdict = self._poll(condition)
        if verdict is not None and verdict.outcome != "waiting":
            return self._conclude_as_base_sensor_would(context, verdict)
        self.defer(
            trigger=SmsBatchTrigger(
                sms_conn_id=self.sms_conn_id,
                batch_ids=self.batch_ids,
                condition=condition.to_json(),
                end_time=time.time() + self.timeout,
                poll_interval=self.poke_interval,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout + DEFERRAL_GRACE_S),
        )

    def _conclude_as_base_sensor_would(self, context: Context, verdict: Verdict) -> dict[str, Any]:
        """Conclude a verdict found before deferring, with ``soft_fail``/``never_fail`` as in a poke."""
        try:
            return self.conclude(context, verdict)
        except AirflowFailException as exc:
            if self.soft_fail or getattr(self, "never_fail", False):
                raise AirflowSkipException(f"Skipping due to soft_fail/never_fail: {exc}") from exc
            raise

    def poke(self, context: Context) -> PokeReturnValue:
        """Poll once; done when the condition is met, failing when it can no longer be."""
        verdict = self._poll(self.wait_condition())
        if verdict is not None and verdict.outcome != "waiting":
            return PokeReturnValue(is_done=True, xcom_value=self.conclude(context, verdict))
        elapsed = time.monotonic() - (self._poke_started or time.monotonic())
        if elapsed >= self.timeout:
            last = verdict.message if verdict is not None else "the last poll failed"
            raise AirflowSensorTimeout(
                f"Timed out after {self.timeout:g} s waiting for {describe_batches(self.batch_ids)}; "
                f"last poll: {last}"
            )
        return PokeReturnValue(is_done=False)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Finish from the trigger's event.

        :param context: The task context.
        :param event: The event ``SmsBatchTrigger`` yielded.
        """
        if not event:
            raise AirflowException(f"{type(self).__name__} resumed without a trigger event")
        status, message = event.get("status"), str(event.get("message", ""))
        if status in ("success", "failure"):
            return self.conclude(context, Verdict(status, message, dict(event.get("summary") or {})))
        if status == "timeout":
            raise AirflowSensorTimeout(message)
        if event.get("fatal"):
            raise AirflowFailException(message)
        raise AirflowException(message)

    def _poll(self, condition: WaitCondition) -> Verdict | None:
        """Poll once; ``None`` when a transient API error got in the way (it is logged)."""
        try:
            with failing_without_retry():
                verdict = check_batches(self.hook, self.batch_ids, condition)
        except (SmsApiError, SmsTransportError) as exc:
            if isinstance(exc, SmsApiError) and not exc.retryable:
                raise
            self.log.warning("Polling %s failed, will poll again: %s", describe_batches(self.batch_ids), exc)
            return None
        if verdict.outcome == "waiting":
            self.log.info("%s", verdict.message)
        return verdict
