"""``SmsBatchSensor``: wait until every message of one or more SMS batches is in a final status."""

from __future__ import annotations

from airflow_provider_sms.sensors._batch_wait import BatchWaitSensor
from airflow_provider_sms.triggers.conditions import WaitCondition


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
