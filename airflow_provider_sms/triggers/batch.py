"""``SmsBatchTrigger``: wait in the triggerer until SMS batches meet a condition, then yield one event.

This module holds the polling code both sensors and the trigger run: :class:`WaitCondition` (what to wait
for, checked before any request and carried to the triggerer as plain JSON) and :func:`check_batches` (one
poll of the batches, judged into a :class:`Verdict` whose summary is plain JSON: counts and ids, never phone
numbers). Airflow stores trigger keyword arguments as plain JSON in its ``trigger`` table, so a condition
that counts only some recipients travels there as :class:`NumberDigest` digests, never as numbers. The
trigger polls with the hook's own tracking operations in a thread, so the event loop never waits on HTTP
and auth, retries and error decoding are the client's, exactly as in a sensor's poke. It only reads:
nothing is ever sent from here.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import hashlib
import hmac
import math
import os
import queue
import random
import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_sms.exceptions import (
    Problem,
    SmsApiError,
    SmsCapabilityError,
    SmsError,
    SmsTransportError,
    SmsValidationError,
)
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.hooks.tracking import NOT_YET_REPORTED, best_states
from airflow_provider_sms.models.sms import (
    MessageState,
    NeutralStatus,
    e164_rule,
    is_e164,
    mask_msisdn,
    normalize_number,
)

#: ``all_final``: every message is in a final status. ``delivery``: enough messages reached a success status.
ConditionKind = Literal["all_final", "delivery"]
_NEUTRAL_NAMES = tuple(s.value for s in NeutralStatus)
_DIGEST_PATTERN = re.compile(r"^[0-9a-f]{32}\Z")


class NumberDigest:
    """Keyed digests of phone numbers: what a deferred sensor stores in the ``trigger`` table instead of them.

    The key is derived from the connection's credential, which the ``trigger`` table does not hold: someone
    who can read the table cannot find a number by computing the digest of every possible one. The sensor
    and the trigger read the same connection, so they derive the same key; :attr:`key_id` tells the trigger
    when the credential changed in between.

    :param secret: The connection's credential (:attr:`SmsHook.secret`).
    """

    _PURPOSE = b"airflow-provider-sms: recipient digests in trigger kwargs, v1"

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), self._PURPOSE, hashlib.sha256).digest()
        #: Names the key without revealing it (stored next to the digests).
        self.key_id = hmac.new(self._key, b"key id", hashlib.sha256).hexdigest()[:16]

    def __call__(self, number: str) -> str:
        """Return the digest of an E.164 number: 32 hex digits.

        :param number: The number.
        """
        return hmac.new(self._key, number.encode(), hashlib.sha256).hexdigest()[:32]

    def __repr__(self) -> str:
        return f"NumberDigest(key_id={self.key_id!r})"


@dataclass(frozen=True)
class WaitCondition:
    """The condition a sensor waits for.

    :param kind: ``all_final`` or ``delivery``.
    :param recipients: For ``delivery``: only these E.164 numbers count; all messages when ``None``.
    :param success_statuses: For ``delivery``: neutral statuses that count as success.
    :param min_success_ratio: For ``delivery``: the share of counted messages that must succeed, in (0, 1].
    :param recipient_digests: In the triggerer: the :class:`NumberDigest` of each of ``recipients``, which
        the trigger's keyword arguments carry instead of the numbers.
    :param digest_key_id: The :attr:`NumberDigest.key_id` of the digests.
    """

    kind: ConditionKind = "all_final"
    recipients: tuple[str, ...] | None = None
    success_statuses: tuple[str, ...] = (NeutralStatus.DELIVERED.value,)
    min_success_ratio: float = 1.0
    recipient_digests: tuple[str, ...] | None = None
    digest_key_id: str | None = None

    def __repr__(self) -> str:
        counted = self.recipients if self.recipient_digests is None else self.recipient_digests
        shown = None if counted is None else f"<{len(counted)} recipients>"
        return (
            f"WaitCondition(kind={self.kind!r}, recipients={shown}, "
            f"success_statuses={self.success_statuses!r}, min_success_ratio={self.min_success_ratio!r})"
        )

    @classmethod
    def build(
        cls,
        kind: ConditionKind = "all_final",
        *,
        recipients: Iterable[str] | str | int | None = None,
        success_statuses: Iterable[str] | str = (NeutralStatus.DELIVERED.value,),
        min_success_ratio: float = 1.0,
    ) -> WaitCondition:
        """Check the arguments and return the condition.

        :param kind: ``all_final`` or ``delivery``.
        :param recipients: E.164 numbers, or ``None`` for every message (an int is a number whose ``+`` a
            native template render dropped).
        :param success_statuses: Neutral statuses counted as success (``delivered``, ``sent`` ...).
        :param min_success_ratio: Share that must succeed, greater than 0 and at most 1.
        :raises SmsValidationError: naming each bad argument, its value (numbers masked) and the rule.
        """
        problems: list[Problem] = []
        if kind not in ("all_final", "delivery"):
            problems.append(Problem("kind", repr(kind), "must be 'all_final' or 'delivery'"))
        numbers = _recipients(recipients, problems)
        statuses = _statuses(success_statuses, problems)
        ratio = _ratio(min_success_ratio, problems)
        if problems:
            raise SmsValidationError(problems, subject="sensor arguments", consequence="no request was made")
        return cls(kind, numbers, statuses, ratio)

    def required(self, total: int) -> int:
        """Return how many of ``total`` counted messages must succeed."""
        return math.ceil(self.min_success_ratio * total - 1e-9)

    def to_json(self, digest: NumberDigest) -> dict[str, Any]:
        """Return the condition as plain JSON for trigger kwargs: recipients as digests, never as numbers.

        :param digest: The digest of the sensor's connection.
        """
        data: dict[str, Any] = {
            "kind": self.kind,
            "success_statuses": list(self.success_statuses),
            "min_success_ratio": self.min_success_ratio,
        }
        if self.recipients is not None:
            data["recipient_digests"] = [digest(number) for number in self.recipients]
            data["digest_key_id"] = digest.key_id
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WaitCondition:
        """Rebuild a condition from :meth:`to_json`, checking it again.

        ``recipients`` as numbers (the kwargs of a trigger deferred by an earlier release) are still read.

        :param data: The JSON object.
        """
        condition = cls.build(
            data.get("kind", "all_final"),
            recipients=data.get("recipients"),
            success_statuses=data.get("success_statuses", (NeutralStatus.DELIVERED.value,)),
            min_success_ratio=data.get("min_success_ratio", 1.0),
        )
        digests, key_id = data.get("recipient_digests"), data.get("digest_key_id")
        if digests is None:
            return condition
        valid = isinstance(digests, list) and bool(digests) and isinstance(key_id, str)
        if not valid or not all(isinstance(d, str) and _DIGEST_PATTERN.match(d) for d in digests):
            rule = "must be a non-empty list of 32-hex-digit digests, with digest_key_id"
            raise SmsValidationError(
                [Problem("recipient_digests", "(hidden)", rule)], "trigger arguments", "no request was made"
            )
        return dataclasses.replace(condition, recipient_digests=tuple(digests), digest_key_id=key_id)


def _recipients(value: object, problems: list[Problem]) -> tuple[str, ...] | None:
    """Return the numbers, each once; an int is a number whose ``+`` a native template render dropped."""
    if value is None:
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        rule = "must be a list of E.164 numbers, or None for every message"
        problems.append(Problem("recipients", f"<{type(value).__name__}>", rule))
        return None
    numbers = tuple(normalize_number(number) for number in value)
    if not numbers:
        problems.append(Problem("recipients", "[]", "must name at least one number, or be None for all"))
    for position, number in enumerate(numbers):
        if not isinstance(number, str) or not is_e164(number):
            problems.append(Problem(f"recipients[{position}]", mask_msisdn(number), e164_rule(number)))
    return tuple(dict.fromkeys(str(number) for number in numbers))


def _statuses(value: Iterable[str] | str, problems: list[Problem]) -> tuple[str, ...]:
    statuses = (value,) if isinstance(value, str) else tuple(value)
    if not statuses:
        problems.append(Problem("success_statuses", "[]", "must name at least one status"))
    for position, status in enumerate(statuses):
        if status not in _NEUTRAL_NAMES:
            problems.append(
                Problem(
                    f"success_statuses[{position}]",
                    repr(status),
                    f"must be one of {', '.join(_NEUTRAL_NAMES)}",
                )
            )
    return statuses


def _ratio(value: object, problems: list[Problem]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        rule = "must be a number greater than 0 and at most 1"
        problems.append(Problem("min_success_ratio", repr(value), rule))
        return 1.0
    return float(value)


Outcome = Literal["waiting", "success", "failure"]
_SHOWN_IDS = 3


@dataclass(frozen=True)
class Verdict:
    """What one poll found.

    :param outcome: ``waiting`` (poll again), ``success`` or ``failure`` (the condition can no longer be met).
    :param message: One line for logs and errors, with the numbers.
    :param summary: Plain-JSON counts (see :func:`check_batches`).
    """

    outcome: Outcome
    message: str
    summary: dict[str, Any]


def check_batches(hook: SmsHook, batch_ids: Sequence[str], condition: WaitCondition) -> Verdict:
    """Poll every batch once and judge the condition.

    The summary holds ``batch_ids``, ``total``, ``final``, ``completed`` (every message final), ``expired``
    (some message expired), ``statuses`` (per neutral status) and ``vendor_statuses``; for ``delivery``
    also ``succeeded``, ``failed`` (final without success), ``required``, ``success_statuses`` and
    ``min_success_ratio``.

    :param hook: An SMS hook.
    :param batch_ids: The batches, at least one.
    :param condition: What to wait for.
    """
    if condition.recipient_digests is not None and condition.kind == "delivery":
        counted = Counter(_states_by_digest(hook, batch_ids, condition))
    elif condition.recipients is not None and condition.kind == "delivery":
        states = _states_of(hook, batch_ids, condition.recipients)
        counted = Counter(states)
    else:
        counted = Counter()
        for batch_id in batch_ids:
            counted.update(hook.batch_status(batch_id).states())
    summary = _summary(batch_ids, counted)
    if condition.kind == "delivery":
        return _judge_delivery(summary, counted, condition)
    return _judge_all_final(summary)


def describe_batches(batch_ids: Sequence[str]) -> str:
    """Return ``batch X``, ``batches X, Y`` or ``batches X, Y, Z and 4 more`` for messages.

    :param batch_ids: The batches.
    """
    shown = ", ".join(batch_ids[:_SHOWN_IDS])
    more = f" and {len(batch_ids) - _SHOWN_IDS} more" if len(batch_ids) > _SHOWN_IDS else ""
    return f"{'batch' if len(batch_ids) == 1 else 'batches'} {shown}{more}"


def _states_of(hook: SmsHook, batch_ids: Sequence[str], recipients: Sequence[str]) -> list[MessageState]:
    reported = best_states(s for batch_id in batch_ids for s in hook.recipient_states(batch_id))
    return [reported[n].state if n in reported else NOT_YET_REPORTED for n in recipients]


def _states_by_digest(
    hook: SmsHook, batch_ids: Sequence[str], condition: WaitCondition
) -> list[MessageState]:
    """Return the state of each recipient the condition names by digest (see :class:`NumberDigest`).

    :raises SmsError: the connection's credential changed since the digests were made (a retry of the
        task defers again with digests of the new one).
    """
    digest = NumberDigest(hook.secret)
    if digest.key_id != condition.digest_key_id:
        raise SmsError(
            "The connection's credential changed since the sensor deferred, so the recipients it counts "
            "(stored as keyed digests, not numbers) cannot be matched; a retry of the task waits again"
        )
    reported = best_states(s for batch_id in batch_ids for s in hook.recipient_states(batch_id))
    by_digest = {digest(number): found.state for number, found in reported.items()}
    return [by_digest.get(wanted, NOT_YET_REPORTED) for wanted in condition.recipient_digests or ()]


def _summary(batch_ids: Sequence[str], counted: Counter[MessageState]) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    vendor_statuses: Counter[str] = Counter()
    for state, count in counted.items():
        statuses[state.status.value] += count
        vendor_statuses[state.vendor_status] += count
    total = sum(counted.values())
    final = sum(count for state, count in counted.items() if state.final)
    return {
        "batch_ids": list(batch_ids),
        "total": total,
        "final": final,
        "completed": total > 0 and final >= total,
        "expired": statuses[NeutralStatus.EXPIRED.value] > 0,
        "statuses": dict(sorted(statuses.items())),
        "vendor_statuses": dict(sorted(vendor_statuses.items())),
    }


def _judge_all_final(summary: dict[str, Any]) -> Verdict:
    batches = describe_batches(summary["batch_ids"])
    counts = _counts_text(summary["statuses"])
    if summary["completed"]:
        expired = " (some expired without a delivery receipt)" if summary["expired"] else ""
        return Verdict(
            "success", f"All {summary['total']} messages of {batches} are final{expired}: {counts}", summary
        )
    if summary["total"] == 0:
        return Verdict("waiting", f"No messages found yet for {batches}", summary)
    return Verdict(
        "waiting", f"{summary['final']} of {summary['total']} messages of {batches} final: {counts}", summary
    )


def _judge_delivery(
    summary: dict[str, Any], counted: Counter[MessageState], condition: WaitCondition
) -> Verdict:
    total = summary["total"]
    succeeded = sum(n for state, n in counted.items() if state.status.value in condition.success_statuses)
    failed = sum(
        n
        for state, n in counted.items()
        if state.final and state.status.value not in condition.success_statuses
    )
    required = condition.required(total)
    summary.update(
        succeeded=succeeded,
        failed=failed,
        required=required,
        success_statuses=list(condition.success_statuses),
        min_success_ratio=condition.min_success_ratio,
    )
    batches = describe_batches(summary["batch_ids"])
    wanted = "/".join(condition.success_statuses)
    counts = _counts_text(summary["statuses"])
    if total == 0:
        return Verdict("waiting", f"No messages found yet for {batches}", summary)
    if succeeded >= required:
        message = f"{succeeded} of {total} messages of {batches} are {wanted}, {required} needed: {counts}"
        return Verdict("success", message, summary)
    if total - failed < required:
        message = (
            f"Delivery condition can no longer be met for {batches}: {failed} of {total} messages ended "
            f"without reaching {wanted}, so at most {total - failed} can, but {required} are needed "
            f"(min_success_ratio={condition.min_success_ratio}): {counts}"
        )
        return Verdict("failure", message, summary)
    message = f"{succeeded} of {total} messages of {batches} are {wanted}, {required} needed: {counts}"
    return Verdict("waiting", message, summary)


def _counts_text(statuses: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in statuses.items()) or "none"


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
            condition, hook = await _open(self.sms_conn_id, self.condition)
        except SmsError as exc:
            return error_event(exc)
        except Exception as exc:  # e.g. the connection does not exist (yet): a retry of the task may help
            return open_failed_event(self.sms_conn_id, exc)
        summary: dict[str, Any] | None = None
        last_message = f"no successful poll of {batches} yet"
        transient_streak = 0
        try:
            while True:
                try:
                    verdict = await _poll(hook, self.batch_ids, condition, self.log.info)
                except (SmsApiError, SmsTransportError) as exc:
                    if not exc.retryable:
                        return error_event(exc)
                    transient_streak += 1
                    delay = self._backoff(transient_streak)
                    self.log.warning("Polling %s failed (%s); trying again in %.1f s", batches, exc, delay)
                except SmsError as exc:
                    return error_event(exc)
                else:
                    transient_streak = 0
                    summary, last_message = verdict.summary, verdict.message
                    if verdict.outcome != "waiting":
                        return {"status": verdict.outcome, "message": verdict.message, "summary": summary}
                    delay = self.poll_interval
                remaining = self.end_time - time.time()
                if remaining <= 0:
                    message = f"Timed out waiting for {batches}; last poll: {last_message}"
                    return {"status": "timeout", "message": message, "summary": summary}
                await asyncio.sleep(min(delay, remaining))
        finally:
            close_off_loop(hook)

    def _backoff(self, streak: int) -> float:
        base = min(self.poll_interval * 2 ** min(streak, 30), self.max_backoff)
        return float(base * random.uniform(0.8, 1.0))


_Result = TypeVar("_Result")
#: Hooks opened at once by the triggers of one event loop, each in a thread of its own.
HOOK_OPENERS = 4
#: Threads that poll for the triggers of one process (as many as asyncio's default executor has).
POLLERS = min(32, (os.cpu_count() or 1) + 4)
_opener_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


class Workers(Executor):
    """A thread pool that starts its threads from its own threads, never from the event loop's.

    ``ThreadPoolExecutor`` starts a thread inside ``submit``, and ``Thread.start`` waits until the new thread
    runs. When a backlog of triggers starts, other threads are busy opening hooks and importing, so each such
    wait is a wait for the GIL, on the event loop: tens of milliseconds in a fresh triggerer. Here only the
    first ``submit`` starts a thread; a thread that takes work and leaves no thread waiting starts a spare
    one first, up to ``max_threads``. Threads are daemons: a pending poll never holds up exit.

    :param max_threads: The most threads.
    :param name: Prefix of the threads' names.
    """

    def __init__(self, max_threads: int, name: str) -> None:
        self.max_threads = max_threads
        self.name = name
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, fn: Callable[..., _Result], /, *args: Any, **kwargs: Any) -> Future[_Result]:
        """Queue ``fn(*args, **kwargs)``; start the first thread if there is none yet.

        :param fn: The blocking function.
        :param args: Its arguments.
        :param kwargs: Its keyword arguments.
        """
        future: Future[_Result] = Future()
        self._work.put((future, functools.partial(fn, *args, **kwargs)))
        with self._lock:
            first = self._threads == 0
            if first:
                self._threads = 1
        if first:
            self._start_thread(1)
        return future

    @property
    def threads(self) -> int:
        """How many threads have been started."""
        return self._threads

    def _start_thread(self, number: int) -> None:
        threading.Thread(target=self._run, name=f"{self.name}_{number}", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            future, call = self._work.get()
            with self._lock:
                self._idle -= 1
                spare = self._idle == 0 and self._threads < self.max_threads
                if spare:
                    self._threads += 1
                    number = self._threads
            if spare:  # so that the next call finds a thread waiting
                self._start_thread(number)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as exc:  # handed to the awaiting coroutine, as ThreadPoolExecutor does
                future.set_exception(exc)
            else:
                future.set_result(result)
            del future, call  # a finished call's result is not kept alive while this thread waits


@functools.cache
def _opener_threads() -> Workers:
    return Workers(HOOK_OPENERS, "sms-hook-open")


@functools.cache
def _poll_threads() -> Workers:
    return Workers(POLLERS, "sms-poll")


async def _poll(
    hook: SmsHook, batch_ids: Sequence[str], condition: WaitCondition, log_info: Callable[..., object]
) -> Verdict:
    """Poll once in a poll thread (see :class:`Workers`); log a ``waiting`` verdict there, not on the loop.

    The thread runs in a copy of the trigger's context, as ``asyncio.to_thread`` would, so the triggerer
    still routes the log line to this trigger's log.

    :param hook: The trigger's hook.
    :param batch_ids: The batches.
    :param condition: What to wait for.
    :param log_info: The trigger's ``log.info``.
    """

    def poll() -> Verdict:
        verdict = check_batches(hook, batch_ids, condition)
        if verdict.outcome == "waiting":
            log_info("%s", verdict.message)
        return verdict

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_poll_threads(), contextvars.copy_context().run, poll)


async def _open(sms_conn_id: str, condition: Mapping[str, Any]) -> tuple[WaitCondition, SmsHook]:
    """Check the condition and open the hook off the event loop (see :func:`off_loop`).

    :param sms_conn_id: The connection.
    :param condition: The condition as JSON.
    :raises SmsValidationError: the condition or the connection breaks a rule.
    """
    return await off_loop(_open_hook, sms_conn_id, condition)


async def off_loop(call: Callable[..., _Result], *args: Any) -> _Result:
    """Run a blocking call in a thread of a small pool, at most :data:`HOOK_OPENERS` at a time.

    A triggerer starts a backlog of triggers in one loop iteration. Each waits here for a slot, which
    costs the loop next to nothing, so the loop starts a few openings per iteration instead of running
    every trigger's first steps in one. Opening a hook reads the connection (a synchronous call to the
    triggerer's supervisor, as is reading or writing a Variable) and builds the client. asgiref's
    ``sync_to_async`` runs it there because on Airflow 3.1 such a call reaches the supervisor through
    ``async_to_sync``, which needs the thread to know the triggerer's loop. The pool starts its threads
    itself (:class:`Workers`), so the loop never waits for a new thread.

    :param call: The blocking function.
    :param args: Its arguments.
    """
    from asgiref.sync import sync_to_async

    loop = asyncio.get_running_loop()
    slots = _opener_slots.get(loop)
    if slots is None:
        slots = _opener_slots[loop] = asyncio.Semaphore(HOOK_OPENERS)
    # asgiref types the executor as a ThreadPoolExecutor; it only hands it to loop.run_in_executor.
    threads = cast(ThreadPoolExecutor, _opener_threads())
    async with slots:
        result: _Result = await sync_to_async(call, thread_sensitive=False, executor=threads)(*args)
        return result


class SharedHooks:
    """The hooks of one process's triggers: one per connection, shared by every trigger that uses it.

    Each trigger reads its connection, and gets the hook (client, settings, connection pool) an earlier
    trigger built from the same connection; a changed connection gets a hook of its own. The last trigger to
    let a hook go closes its client. A hook per trigger made a backlog of 500 triggers build 500 clients,
    about 30,000 objects that outlive the start-up: most of the growth of the oldest generation that sets
    off a full garbage collection, which stops the whole triggerer (``bench/triggers.py``). Clients are safe
    for concurrent requests, as a send's chunk threads use them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hooks: dict[bytes, tuple[SmsHook, int]] = {}  # by connection digest: the hook and its users
        self._digests: dict[int, bytes] = {}  # by id of the hook

    def take(self, sms_conn_id: str) -> SmsHook:
        """Read the connection; return its shared hook, its client built (blocking: an opener thread).

        :param sms_conn_id: The connection.
        """
        fresh = SmsHook.for_connection(sms_conn_id)
        connection = fresh.airflow_connection()
        fields = ("conn_type", "host", "schema", "login", "password", "port", "extra")
        content = [sms_conn_id, *(getattr(connection, field) for field in fields)]
        digest = hashlib.sha256(repr(content).encode()).digest()
        with self._lock:
            hook, users = self._hooks.get(digest, (fresh, 0))
            if users == 0:
                hook.get_conn()
                self._digests[id(hook)] = digest
            self._hooks[digest] = (hook, users + 1)
            return hook

    def release(self, hook: SmsHook) -> None:
        """Let a hook go; close its client if no trigger uses it any more (or it was not shared).

        :param hook: A hook :meth:`take` returned.
        """
        with self._lock:
            digest = self._digests.get(id(hook))
            users = self._hooks[digest][1] - 1 if digest is not None else 0
            if digest is not None and users:
                self._hooks[digest] = (hook, users)
                return
            if digest is not None:
                del self._hooks[digest], self._digests[id(hook)]
        hook.get_conn().close()

    def __len__(self) -> int:
        return len(self._hooks)


#: The shared hooks of this process's triggers.
shared_hooks = SharedHooks()


def close_off_loop(hook: SmsHook) -> None:
    """Let a trigger's hook go off the loop: closing sockets blocks, and a backlog may end at once.

    :param hook: The hook (:meth:`SharedHooks.release`).
    """
    _opener_threads().submit(shared_hooks.release, hook)


def _open_hook(sms_conn_id: str, condition: Mapping[str, Any]) -> tuple[WaitCondition, SmsHook]:
    """Check the condition, then take the connection's shared hook (in an opener thread)."""
    return WaitCondition.from_json(condition), shared_hooks.take(sms_conn_id)


def error_event(exc: SmsError) -> dict[str, Any]:
    """Return the event of a trigger ended by ``exc``: ``fatal`` when no retry can help (a broken rule).

    :param exc: The error.
    """
    fatal = isinstance(exc, SmsValidationError | SmsCapabilityError)
    return {"status": "error", "message": str(exc), "fatal": fatal, "error_type": type(exc).__name__}


def open_failed_event(sms_conn_id: str, exc: Exception) -> dict[str, Any]:
    """Return the event of a trigger that could not open its connection: a retry of the task may help.

    :param sms_conn_id: The connection.
    :param exc: What opening it raised (e.g. the connection does not exist yet).
    """
    message = f"Could not open SMS connection {sms_conn_id!r}: {type(exc).__name__}: {exc}"
    return {"status": "error", "message": message, "fatal": False, "error_type": type(exc).__name__}
