"""``SmsBatchSensor``, and what both SMS batch sensors share: argument checks, one poll, deferral."""

from __future__ import annotations

import time
from abc import abstractmethod
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_sms.exceptions import SmsApiError, SmsTransportError
from airflow_provider_sms.hooks.sms import SmsHook, failing_without_retry
from airflow_provider_sms.hooks.tracking import batch_id_list
from airflow_provider_sms.triggers.batch import (
    NumberDigest,
    SmsBatchTrigger,
    Verdict,
    WaitCondition,
    check_batches,
    describe_batches,
)
from airflow_provider_sms.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    conf,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

#: The task-level deferral timeout is the sensor's timeout plus this, so the trigger's own deadline (and its
#: clearer message) comes first; the task-level one only fires if no triggerer ran the trigger.
DEFERRAL_GRACE_S = 60.0


class BatchWaitSensor(BaseSensorOperator):
    """Base of the SMS batch sensors: wait until batches meet :meth:`wait_condition`.

    Each poke polls once. When ``deferrable``, a poke that finds the condition not yet met defers to
    :class:`~airflow_provider_sms.triggers.batch.SmsBatchTrigger`, which waits in the triggerer and holds no
    worker slot. Transient API errors (429, 5xx, network) count as "not yet". ``timeout``, ``soft_fail``,
    ``mode`` and ``poke_interval`` are ``BaseSensorOperator``'s.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection. (templated)
    :param batch_id: One batch id, a list of them, or ``SmsSendOperator``'s result. (templated)
    :param deferrable: Wait in the triggerer instead of a worker; defaults to
        ``[operators] default_deferrable``.
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
    def hook(self) -> SmsHook:
        """The vendor hook for ``sms_conn_id``."""
        return SmsHook.for_connection(self.sms_conn_id)

    @cached_property
    def batch_ids(self) -> list[str]:
        """The batch ids in ``batch_id``, checked."""
        return batch_id_list(self.batch_id)

    def execute(self, context: Context) -> Any:
        """Check the arguments (a bad one fails without retry), then poke as ``BaseSensorOperator`` does."""
        with failing_without_retry():
            self.wait_condition()
            for batch_id in self.batch_ids:
                self.hook.check_batch_id(batch_id)
        return super().execute(context)

    def poke(self, context: Context) -> PokeReturnValue:
        """Poll once: done when the condition is met, failing when it can no longer be; else wait or defer."""
        verdict = self._poll(self.wait_condition())
        if verdict is not None and verdict.outcome != "waiting":
            return PokeReturnValue(is_done=True, xcom_value=self.conclude(context, verdict))
        if self.deferrable:
            self.defer(
                trigger=SmsBatchTrigger(
                    sms_conn_id=self.sms_conn_id,
                    batch_ids=self.batch_ids,
                    condition=self.wait_condition().to_json(NumberDigest(self.hook.secret)),
                    end_time=time.time() + self.timeout,
                    poll_interval=self.poke_interval,
                ),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.timeout + DEFERRAL_GRACE_S),
            )
        return PokeReturnValue(is_done=False)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Finish from the trigger's event (``soft_fail`` applies as ``BaseSensorOperator`` applies it).

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


class SmsBatchSensor(BatchWaitSensor):
    """Wait until every message of the batch(es) is final: delivered, failed, expired, cancelled or unknown.

    Returns a JSON summary: ``batch_ids``, ``total``, ``final``, ``completed``, ``expired`` (some message
    expired without a delivery receipt), counts per neutral status (``statuses``) and per vendor status
    (``vendor_statuses``). Fone Dynamics messages sent without a delivery receipt count as final once
    ``Submitted``; messages that never get a receipt keep the sensor waiting until ``timeout``.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection. (templated)
    :param batch_id: One batch id, a list of them, or ``SmsSendOperator``'s result. (templated)
    :param deferrable: Wait in the triggerer instead of a worker; defaults to
        ``[operators] default_deferrable``.
    :param kwargs: Passed to ``BaseSensorOperator`` (``poke_interval``, ``timeout``, ``soft_fail`` ...).
    """

    def wait_condition(self) -> WaitCondition:
        """Every message final."""
        return WaitCondition.build("all_final")
