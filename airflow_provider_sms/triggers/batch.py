"""``SmsBatchTrigger``: wait in the triggerer until SMS batches meet a condition, then yield one event.

The trigger polls with the hook's own tracking operations (run in a thread, so the event loop never waits
on HTTP), which means auth, retries and error decoding are the client's, exactly as in a sensor's poke.
It only reads: nothing is ever sent from here.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from airflow_provider_sms.exceptions import (
    SmsApiError,
    SmsCapabilityError,
    SmsError,
    SmsTransportError,
    SmsValidationError,
)
from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.triggers.checks import check_batches, describe_batches
from airflow_provider_sms.triggers.conditions import WaitCondition

#: Longest wait between polls after transient errors, in seconds.
DEFAULT_MAX_BACKOFF_S = 600.0


class SmsBatchTrigger(BaseTrigger):
    """Poll SMS batches until a condition is met, cannot be met any more, or the deadline passes.

    Yields exactly one event, a plain JSON object: ``status`` is ``success``, ``failure`` (the condition
    can no longer be met), ``error`` (the API refused the poll; ``fatal`` says whether a retry could help)
    or ``timeout``; ``message`` says why, with the numbers; ``summary`` holds the last counts, if any.
    Transient API errors (429, 5xx, network) are logged and polled again with exponential backoff.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection.
    :param batch_ids: The batches to watch.
    :param condition: A :class:`WaitCondition` as JSON (``WaitCondition.to_json()``).
    :param end_time: Absolute deadline, Unix seconds; it survives the trigger being moved or restarted.
    :param poll_interval: Seconds between polls.
    :param max_backoff: Longest wait after transient errors, in seconds.
    """

    def __init__(
        self,
        sms_conn_id: str,
        batch_ids: Sequence[str],
        condition: dict[str, Any],
        end_time: float,
        poll_interval: float = 60.0,
        max_backoff: float = DEFAULT_MAX_BACKOFF_S,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.sms_conn_id = sms_conn_id
        self.batch_ids = list(batch_ids)
        self.condition = dict(condition)
        self.end_time = float(end_time)
        self.poll_interval = float(poll_interval)
        self.max_backoff = float(max_backoff)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON keyword arguments that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "sms_conn_id": self.sms_conn_id,
                "batch_ids": list(self.batch_ids),
                "condition": dict(self.condition),
                "end_time": self.end_time,
                "poll_interval": self.poll_interval,
                "max_backoff": self.max_backoff,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until done and yield the one event."""
        yield TriggerEvent(await self._wait())  # type: ignore[no-untyped-call]

    async def _wait(self) -> dict[str, Any]:
        batches = describe_batches(self.batch_ids)
        try:
            condition = WaitCondition.from_json(self.condition)
            hook = await sync_to_async(_open_hook)(self.sms_conn_id)
        except SmsError as exc:
            return _error_event(exc)
        summary: dict[str, Any] | None = None
        last_message = f"no successful poll of {batches} yet"
        transient_streak = 0
        try:
            while True:
                try:
                    verdict = await asyncio.to_thread(check_batches, hook, self.batch_ids, condition)
                except (SmsApiError, SmsTransportError) as exc:
                    if not exc.retryable:
                        return _error_event(exc)
                    transient_streak += 1
                    delay = self._backoff(transient_streak)
                    self.log.warning("Polling %s failed (%s); trying again in %.1f s", batches, exc, delay)
                except SmsError as exc:
                    return _error_event(exc)
                else:
                    transient_streak = 0
                    summary, last_message = verdict.summary, verdict.message
                    if verdict.outcome != "waiting":
                        return {"status": verdict.outcome, "message": verdict.message, "summary": summary}
                    self.log.info("%s", verdict.message)
                    delay = self.poll_interval
                remaining = self.end_time - time.time()
                if remaining <= 0:
                    message = f"Timed out waiting for {batches}; last poll: {last_message}"
                    return {"status": "timeout", "message": message, "summary": summary}
                await asyncio.sleep(min(delay, remaining))
        finally:
            hook.get_conn().close()

    def _backoff(self, streak: int) -> float:
        base = min(self.poll_interval * 2 ** min(streak, 30), self.max_backoff)
        return float(base * random.uniform(0.8, 1.0))


def _open_hook(sms_conn_id: str) -> SmsHook[Any, Any]:
    """Read the connection and build the client (in a thread: the connection lookup is synchronous)."""
    hook = SmsHook.for_connection(sms_conn_id)
    hook.get_conn()
    return hook


def _error_event(exc: SmsError) -> dict[str, Any]:
    fatal = isinstance(exc, SmsValidationError | SmsCapabilityError)
    return {"status": "error", "message": str(exc), "fatal": fatal, "error_type": type(exc).__name__}
