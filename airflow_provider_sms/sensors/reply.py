"""``SmsReplySensor``: wait until a handset replies to one of our numbers; return the reply's text."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_sms.exceptions import Problem, SmsApiError, SmsTransportError, SmsValidationError
from airflow_provider_sms.hooks.sms import SmsHook, failing_without_retry
from airflow_provider_sms.models.sms import e164_rule, is_e164, mask_msisdn, normalize_number
from airflow_provider_sms.sensors.batch import DEFERRAL_GRACE_S
from airflow_provider_sms.triggers.batch import NumberDigest
from airflow_provider_sms.triggers.inbound import InboundFilter, SmsReplyTrigger, aware_time, find_reply
from airflow_provider_sms.version_compat import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    conf,
)

if TYPE_CHECKING:
    from airflow.sdk import Context


class SmsReplySensor(BaseSensorOperator):
    """Wait until ``from_number`` sends one of our numbers a message, optionally matching a pattern.

    Only messages received at or after ``since`` count. By default that is when the DAG run started: a
    reply to a message an earlier task of the run sent counts even if it came before this task started,
    a retry of the task still finds it, and replies from earlier runs never count (a run's data interval
    would reach back into the past for a backfill or a catch-up run). Returns the reply's text (XCom).

    Each poke lists the inbound messages once. When ``deferrable``, a poke that finds none defers to
    :class:`~airflow_provider_sms.triggers.inbound.SmsReplyTrigger`, which stores the sender as a keyed
    digest, never as a number. Transient API errors count as "not yet". Numbers in logs are masked.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection. (templated)
    :param from_number: The handset whose reply is awaited, E.164. (templated)
    :param to_number: Our number (E.164) or short code the reply goes to; the connection's
        ``default_from`` when ``None``. (templated)
    :param body_pattern: Only a text this regular expression finds something in counts (``re.search``;
        ``(?i)^\\s*yes\\b`` for a YES in any case). (templated)
    :param since: A datetime or ISO-8601 text; when ``None``, the DAG run's start. (templated)
    :param deferrable: Wait in the triggerer instead of a worker; defaults to
        ``[operators] default_deferrable``.
    :param kwargs: Passed to ``BaseSensorOperator`` (``poke_interval``, ``timeout``, ``soft_fail`` ...).
    """

    template_fields: tuple[str, ...] = ("sms_conn_id", "from_number", "to_number", "body_pattern", "since")

    def __init__(
        self,
        *,
        sms_conn_id: str,
        from_number: str,
        to_number: str | None = None,
        body_pattern: str | None = None,
        since: datetime | str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sms_conn_id = sms_conn_id
        self.from_number = from_number
        self.to_number = to_number
        self.body_pattern = body_pattern
        self.since = since
        self.deferrable = deferrable

    @cached_property
    def hook(self) -> SmsHook:
        """The vendor hook for ``sms_conn_id``."""
        return SmsHook.for_connection(self.sms_conn_id)

    def wanted(self) -> InboundFilter:
        """Return which messages count, checked (``SmsValidationError`` names every bad argument)."""
        sender = normalize_number(self.from_number)
        problems: list[Problem] = []
        if not isinstance(sender, str) or not is_e164(sender):
            problems.append(Problem("from_number", mask_msisdn(sender), e164_rule(sender)))
        number = self.to_number if self.to_number is not None else self.hook.default_from
        if number is None:
            rule = "is required: the connection has no default_from"
            problems.append(Problem("to_number", "(missing)", rule))
        try:
            wanted = InboundFilter.build(number, [str(sender)], self.body_pattern)
        except SmsValidationError as exc:
            known = {problem.field for problem in problems}
            fields = {"number": "to_number", "from_numbers[0]": "from_number"}
            problems += [
                Problem(fields.get(p.field, p.field), p.value, p.rule)
                for p in exc.problems
                if fields.get(p.field, p.field) not in known
            ]
        if problems:
            raise SmsValidationError(
                problems, subject="SmsReplySensor arguments", consequence="no request was made"
            )
        return wanted

    def since_time(self, context: Context) -> datetime:
        """Return from when replies count: ``since``, else the DAG run's start (else now).

        :param context: The task context.
        """
        given = aware_time(self.since, "since")
        if given is not None:
            return given
        dag_run = context.get("dag_run")
        started = getattr(dag_run, "start_date", None)
        if isinstance(started, datetime):
            return started if started.tzinfo is not None else started.replace(tzinfo=timezone.utc)
        return datetime.now(timezone.utc)

    def execute(self, context: Context) -> Any:
        """Check the arguments (a bad one fails without retry), then poke as ``BaseSensorOperator`` does."""
        with failing_without_retry():
            self.wanted()
            self.since_time(context)
        return super().execute(context)

    def poke(self, context: Context) -> PokeReturnValue:
        """List the inbound messages once: done with the reply's text, else wait or defer."""
        wanted, since = self.wanted(), self.since_time(context)
        shown = f"{mask_msisdn(wanted.senders[0] if wanted.senders else '')} to {mask_msisdn(wanted.number)}"
        try:
            reply = find_reply(self.hook, wanted, since)
        except (SmsApiError, SmsTransportError) as exc:
            if isinstance(exc, SmsApiError) and not exc.retryable:
                raise
            self.log.warning("Listing replies from %s failed, will try again: %s", shown, exc)
            reply = None
        if reply is not None:
            self.log.info("Reply %s from %s received at %s", reply.id, shown, reply.received_at.isoformat())
            return PokeReturnValue(is_done=True, xcom_value=reply.body)
        self.log.info("No reply from %s since %s yet", shown, since.isoformat())
        if self.deferrable:
            digest = NumberDigest(self.hook.secret)
            self.defer(
                trigger=SmsReplyTrigger(
                    sms_conn_id=self.sms_conn_id,
                    number=wanted.number,
                    sender_digests=[digest(sender) for sender in wanted.senders or ()],
                    digest_key_id=digest.key_id,
                    since=since.isoformat(),
                    end_time=time.time() + self.timeout,
                    body_pattern=wanted.body_pattern,
                    poll_interval=self.poke_interval,
                ),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.timeout + DEFERRAL_GRACE_S),
            )
        return PokeReturnValue(is_done=False)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str:
        """Return the reply's text from the trigger's event, or raise what the event says.

        :param context: The task context.
        :param event: The event ``SmsReplyTrigger`` yielded.
        """
        if not event:
            raise AirflowException(f"{type(self).__name__} resumed without a trigger event")
        status, message = event.get("status"), str(event.get("message", ""))
        if status == "success":
            reply = dict(event.get("reply") or {})
            self.log.info("%s, received at %s", message, reply.get("received_at"))
            return str(reply.get("body", ""))
        if status == "timeout":
            raise AirflowSensorTimeout(message)
        if event.get("fatal"):
            raise AirflowFailException(message)
        raise AirflowException(message)
