"""Inbound SMS in the triggerer: ``SmsInboundTrigger`` for asset watchers, ``SmsReplyTrigger`` for a sensor.

Both poll the neutral :meth:`SmsHook.inbound_messages` of one of our numbers, in a thread (see
:func:`~airflow_provider_sms.triggers.batch.off_loop`), and keep an :class:`InboundCursor`: the time
before which nothing is wanted, and the ids already handled in the look-back window, so a message listed
by two polls is handled once.

**Why the watcher's cursor is an Airflow Variable.** The triggerer re-creates a watcher's trigger from the
keyword arguments of the DAG file after any restart, so the trigger itself keeps nothing. What a trigger
can reach through the Task SDK is the same on Airflow 3.1 to 3.3: connections, Variables, XComs and task
states (``ToTriggerSupervisor`` in ``airflow/jobs/triggerer_job_runner.py``). It cannot read asset events,
so it cannot look up after a restart whether a message already made one; the asset state store of Airflow
3.3 is one more store written apart from the events, no better than a Variable, which every supported
version has and tests and ``dag.test()`` reach too.

**When a message is written to the cursor.** A yielded event is not stored at once: the triggerer's
runner hands its events to its supervisor about once a second, which then writes them to the database. A
cursor written before the yield (as this module did first) loses the message when the triggerer is killed
outright in between. So the cursor takes a message only once its event is stored, or believed stored:

* Airflow 3.3: the watchers of one number share one poll (``shared_stream_key``) in ack mode. The
  triggerer confirms each event once stored and then calls :meth:`InboundPollProducer.advance`, which
  writes each watcher's cursor. A kill, however abrupt, loses nothing. A kill in the second or so between
  an event being stored and the confirmation reaching the producer makes that message an event again after
  the restart.
* Airflow 3.1 and 3.2, which tell a trigger nothing: the cursor is written :data:`COMMIT_DELAY_S` seconds
  after the events of a poll were yielded. A kill before then makes those messages events again after the
  restart if they were already stored (at most those few seconds of them); a message is lost only if the
  triggerer took longer than that to store its event and was killed meanwhile.

Neither version can give exactly once: the event and the cursor are written by different processes in
different transactions, and the trigger cannot read the events back. What is left is a repeat, never a
loss, in a window of seconds after a message; a DAG that must act once per message uses the payload's
``id`` (the example opt-out DAG keeps a set). A graceful stop (``SIGTERM``) has the same window: the
triggerer drops the events it has not handed over, which are then listed again.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import AsyncIterator, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.triggers.base import BaseEventTrigger, BaseTrigger, TriggerEvent

from airflow_provider_sms.exceptions import (
    Problem,
    SmsApiError,
    SmsError,
    SmsTransportError,
    SmsValidationError,
)
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.models.inbound import InboundSms, utc_seconds
from airflow_provider_sms.models.sms import SHORT_CODE_PATTERN, e164_rule, is_e164, mask_msisdn
from airflow_provider_sms.triggers.batch import (
    DEFAULT_MAX_BACKOFF_S,
    NumberDigest,
    close_off_loop,
    error_event,
    off_loop,
    open_failed_event,
    shared_hooks,
)

try:  # Airflow >= 3.3: watchers of one number share a poll, told when their events are stored
    from airflow.triggers.shared_stream import SharedStreamProducer as _SharedStreamProducer
except ImportError:  # Airflow 3.1 and 3.2: each watcher polls on its own (SmsInboundTrigger.run)
    _SharedStreamProducer = abc.ABC  # type: ignore[misc,assignment,unused-ignore]

#: How far back each poll looks before the newest message handled, for messages a vendor lists late.
LOOK_BACK = timedelta(minutes=5)
#: Variables holding watcher cursors are named this plus a digest of the watcher's arguments.
CURSOR_VARIABLE_PREFIX = "sms_inbound_cursor_"
_CURSOR_VERSION = 1
#: Whether this Airflow shares one poll loop between watchers (3.3 and later).
SHARES_POLLS = _SharedStreamProducer is not abc.ABC
#: On Airflow 3.1 and 3.2: seconds after a poll's events are yielded that its messages go to the cursor.
#: The triggerer stores yielded events within about a second; this leaves room for a busy one.
COMMIT_DELAY_S = 3.0
#: Longest wait for a cursor write from the shared poll: at shutdown the triggerer's runner may already
#: have stopped reading its supervisor's answers (a write takes milliseconds otherwise).
_SAVE_TIMEOUT_S = 10.0


# -- which messages are wanted ------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboundFilter:
    """Which inbound messages to one of our numbers are wanted.

    :param number: Our number (E.164) or short code the messages are sent to.
    :param senders: Only from these E.164 numbers; from anyone when ``None``.
    :param sender_digests: Instead of ``senders``: their :class:`NumberDigest` digests (what a deferred
        sensor stores in the ``trigger`` table instead of numbers).
    :param digest_key_id: The :attr:`NumberDigest.key_id` of the digests.
    :param body_pattern: Only bodies this regular expression finds something in (``re.search``).
    """

    number: str
    senders: tuple[str, ...] | None = None
    sender_digests: tuple[str, ...] | None = None
    digest_key_id: str | None = None
    body_pattern: str | None = None

    def __repr__(self) -> str:
        senders = self.senders if self.sender_digests is None else self.sender_digests
        shown = None if senders is None else f"<{len(senders)} numbers>"
        return f"InboundFilter(number={mask_msisdn(self.number)!r}, senders={shown}, body_pattern=...)"

    @classmethod
    def build(
        cls, number: object, senders: Iterable[object] | str | None = None, body_pattern: object = None
    ) -> InboundFilter:
        """Check the arguments and return the filter.

        :param number: Our number (E.164) or short code.
        :param senders: E.164 numbers, one or a list; anyone when ``None``.
        :param body_pattern: A regular expression, or ``None`` for any text.
        :raises SmsValidationError: naming each bad argument, its value (numbers masked) and the rule.
        """
        problems: list[Problem] = []
        if not isinstance(number, str) or not (is_e164(number) or SHORT_CODE_PATTERN.match(number)):
            rule = "must be one of our numbers in E.164 ('+' and 7-15 digits) or a short code (3-15 digits)"
            problems.append(Problem("number", mask_msisdn(number), rule))
        numbers: tuple[str, ...] | None = None
        if senders is not None:
            listed = [senders] if isinstance(senders, str) else list(senders)
            if not listed:
                problems.append(Problem("from_numbers", "[]", "must name at least one number, or be None"))
            for position, sender in enumerate(listed):
                if not isinstance(sender, str) or not is_e164(sender):
                    problems.append(
                        Problem(f"from_numbers[{position}]", mask_msisdn(sender), e164_rule(sender))
                    )
            numbers = tuple(dict.fromkeys(str(sender) for sender in listed))
        pattern = _pattern(body_pattern, problems)
        if problems:
            raise SmsValidationError(
                problems, subject="inbound message filter", consequence="no request was made"
            )
        return cls(str(number), numbers, body_pattern=pattern)

    def matches(self, message: InboundSms, digest: NumberDigest | None = None) -> bool:
        """Return whether the message is wanted (its receiving number is the caller's to check).

        :param message: The message.
        :param digest: The connection's digest, needed when the filter holds digests.
        """
        if self.senders is not None and message.from_number not in self.senders:
            return False
        digests = self.sender_digests
        if digests is not None and (digest is None or digest(message.from_number) not in digests):
            return False
        return self.body_pattern is None or re.search(self.body_pattern, message.body) is not None


def _pattern(value: object, problems: list[Problem]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(
            Problem("body_pattern", f"<{type(value).__name__}>", "must be a regular expression (str)")
        )
        return None
    try:
        re.compile(value)
    except re.error as exc:
        problems.append(
            Problem("body_pattern", repr(value[:60]), f"must be a valid regular expression: {exc}")
        )
    return value


def find_reply(hook: SmsHook, wanted: InboundFilter, since: datetime) -> InboundSms | None:
    """Return the first wanted message to ``wanted.number`` received at or after ``since``, or ``None``.

    ``since`` counts in whole seconds, as Fone Dynamics gives received times: a reply within the second
    ``since`` falls in (before or after it) counts.

    :param hook: An SMS hook.
    :param wanted: Which messages count.
    :param since: Nothing received before counts.
    """
    since = since.replace(microsecond=0)
    digest = NumberDigest(hook.secret) if wanted.sender_digests is not None else None
    for message in hook.inbound_messages(wanted.number, since):
        if message.received_at >= since and wanted.matches(message, digest):
            return message
    return None


# -- what was handled: the cursor ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InboundCursor:
    """Where polling stands: nothing before ``floor`` is wanted; ``seen`` are handled (id: received at).

    :param floor: Messages received before this time are never handled.
    :param seen: Ids handled in the look-back window, with when each was received.
    """

    floor: datetime
    seen: Mapping[str, datetime] = dataclasses.field(default_factory=dict)

    def window_start(self) -> datetime:
        """Return from when the next poll lists: :data:`LOOK_BACK` before the newest handled message."""
        newest = max(self.seen.values(), default=self.floor)
        return max(self.floor, newest - LOOK_BACK)

    def unseen(self, messages: Iterable[InboundSms]) -> list[InboundSms]:
        """Return, oldest first, the messages not handled yet and not before the floor.

        :param messages: What a poll listed.
        """
        fresh = {m.id: m for m in messages if m.id not in self.seen and m.received_at >= self.floor}
        return sorted(fresh.values(), key=lambda message: (message.received_at, message.id))

    def handled(self, message: InboundSms) -> InboundCursor:
        """Return the cursor with the message handled, forgetting ids no poll can list again.

        :param message: The message.
        """
        seen = {**self.seen, message.id: message.received_at}
        start = InboundCursor(self.floor, seen).window_start()
        return InboundCursor(self.floor, {i: at for i, at in seen.items() if at >= start})

    def to_json(self) -> str:
        """Return the cursor as the JSON text a Variable holds (ids and times only, never numbers)."""
        seen = {message_id: at.isoformat() for message_id, at in self.seen.items()}
        return json.dumps({"version": _CURSOR_VERSION, "floor": self.floor.isoformat(), "seen": seen})

    @classmethod
    def from_json(cls, text: str) -> InboundCursor:
        """Read a cursor from :meth:`to_json`.

        :param text: The JSON text.
        :raises SmsValidationError: it is not a cursor of this version.
        """
        try:
            data = json.loads(text)
            floor = datetime.fromisoformat(data["floor"])
            seen = {str(k): datetime.fromisoformat(v) for k, v in dict(data["seen"]).items()}
            if data.get("version") != _CURSOR_VERSION or floor.tzinfo is None:
                raise ValueError("unknown version")
        except (ValueError, KeyError, TypeError, AttributeError):
            rule = f"must be a cursor of version {_CURSOR_VERSION} (delete the Variable to start afresh)"
            raise SmsValidationError(
                [Problem("cursor", "(stored)", rule)], "inbound cursor", "no request was made"
            ) from None
        return cls(floor, seen)


def _in_task_sdk() -> bool:
    """Return whether this process talks to a supervisor (triggerer, task) rather than to the database."""
    return hasattr(sys.modules.get("airflow.sdk.execution_time.task_runner"), "SUPERVISOR_COMMS")


def load_cursor(key: str) -> str | None:
    """Return the cursor JSON kept in Variable ``key``, or ``None``.

    :param key: The Variable's key.
    """
    if _in_task_sdk():
        from airflow.sdk import Variable

        value: Any = Variable.get(key, default=None)
    else:
        from airflow.models import Variable as StoredVariable

        value = StoredVariable.get(key, default_var=None)
    return None if value is None else str(value)


def save_cursor(key: str, text: str) -> None:
    """Keep cursor JSON in Variable ``key``.

    :param key: The Variable's key.
    :param text: The cursor's JSON.
    """
    description = "Cursor of an SmsInboundTrigger: inbound message ids already turned into asset events"
    if _in_task_sdk():
        from airflow.sdk import Variable

        Variable.set(key, text, description=description)
    else:
        from airflow.models import Variable as StoredVariable

        StoredVariable.set(key, text, description=description)


def aware_time(value: object, field: str) -> datetime | None:
    """Return an aware time from a datetime or ISO-8601 text (naive taken as UTC), ``None`` for ``None``.

    :param value: The time.
    :param field: The argument's name, for the error.
    :raises SmsValidationError: it is not a time.
    """
    if value is None:
        return None
    try:
        parsed = (
            value
            if isinstance(value, datetime)
            else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        )
    except ValueError:
        rule = "must be an ISO-8601 time, e.g. 2026-11-27T10:00:00Z"
        raise SmsValidationError(
            [Problem(field, repr(str(value)[:40]), rule)], "inbound trigger arguments", "no request was made"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _backoff(poll_interval: float, max_backoff: float, streak: int) -> float:
    base = min(poll_interval * 2 ** min(streak, 30), max_backoff)
    return float(base * random.uniform(0.8, 1.0))


# -- the asset watcher's trigger ----------------------------------------------------------------------------
class SmsInboundTrigger(BaseEventTrigger):
    """Poll one of our numbers for inbound SMS; yield one event per new message, for an ``AssetWatcher``.

    Each event's payload is :meth:`InboundSms.to_payload` (``kind``, ``vendor``, ``id``, ``from``, ``to``,
    ``body``, ``received_at``, ``in_reply_to``), which the triggerer stores as the asset event's
    ``extra["payload"]``. Messages received before the trigger first ran (or before ``since``) are not
    events. A Variable keeps what was handled, written only once the events are stored (see the module
    documentation for what a triggerer killed outright gets on each Airflow version). On Airflow 3.3 the
    watchers of one number, connection and poll interval share one poll loop. Transient API errors are logged
    and polled again with backoff; refused credentials are logged as errors and tried again every
    ``max_backoff`` seconds.

    The trigger row holds no phone number of ``from_numbers``: :meth:`serialize` stores their keyed digests
    (:class:`NumberDigest`, keyed by the connection's credential, which is read when the DAG is parsed).

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection.
    :param number: Our number (E.164) or short code the messages are sent to.
    :param from_numbers: Only messages from these E.164 numbers; from anyone when ``None``.
    :param body_pattern: Only messages whose text this regular expression finds something in.
    :param since: ISO-8601 time: on the first run, messages from then on are events; default: first run.
    :param poll_interval: Seconds between polls.
    :param max_backoff: Longest wait after errors, in seconds.
    :param cursor_key: The Variable that keeps the cursor; by default one named after these arguments.
    :param sender_digests: Instead of ``from_numbers``: their digests, as :meth:`serialize` stores them.
    :param digest_key_id: The :attr:`NumberDigest.key_id` of ``sender_digests``.
    """

    def __init__(
        self,
        sms_conn_id: str,
        number: str,
        from_numbers: Sequence[str] | None = None,
        body_pattern: str | None = None,
        since: str | None = None,
        poll_interval: float = 60.0,
        max_backoff: float = DEFAULT_MAX_BACKOFF_S,
        cursor_key: str | None = None,
        sender_digests: Sequence[str] | None = None,
        digest_key_id: str | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.wanted = InboundFilter.build(number, from_numbers, body_pattern)
        if sender_digests is not None:
            if from_numbers is not None or not digest_key_id:
                rule = "come with digest_key_id and without from_numbers (they are what serialize() stores)"
                problem = Problem("sender_digests", f"<{len(sender_digests)} digests>", f"must {rule}")
                raise SmsValidationError([problem], "inbound trigger arguments")
            digests = tuple(str(digest) for digest in sender_digests)
            self.wanted = dataclasses.replace(
                self.wanted, sender_digests=digests, digest_key_id=str(digest_key_id)
            )
        self.since = aware_time(since, "since")
        self.sms_conn_id = sms_conn_id
        self.poll_interval = float(poll_interval)
        self.max_backoff = float(max_backoff)
        self.cursor_key = cursor_key or self.default_cursor_key()

    def default_cursor_key(self) -> str:
        """Return the Variable key named after the connection, number and filters (no number in it).

        With ``from_numbers`` the key is the one of the plain numbers, as before they were stored as digests,
        so a watcher keeps its cursor; the digests name it only for a trigger built from them without a key.
        """
        senders = self.wanted.senders if self.wanted.sender_digests is None else self.wanted.sender_digests
        identity = [self.sms_conn_id, self.wanted.number, senders, self.wanted.body_pattern]
        return CURSOR_VARIABLE_PREFIX + hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:24]

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON keyword arguments that rebuild this trigger.

        :raises SmsValidationError: ``from_numbers`` is set and the connection cannot be read (its credential
            keys the digests stored instead of the numbers).
        """
        wanted = self._digested()
        kwargs: dict[str, Any] = {
            "sms_conn_id": self.sms_conn_id,
            "number": wanted.number,
            "from_numbers": None,
            "body_pattern": wanted.body_pattern,
            "since": None if self.since is None else self.since.isoformat(),
            "poll_interval": self.poll_interval,
            "max_backoff": self.max_backoff,
            "cursor_key": self.cursor_key,
        }
        if wanted.sender_digests is not None:
            # Only then: a watcher without senders keeps the keyword arguments, hence the trigger row, it had.
            kwargs.update(sender_digests=list(wanted.sender_digests), digest_key_id=wanted.digest_key_id)
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    def _digested(self) -> InboundFilter:
        """Return the filter with ``from_numbers`` as digests (the connection is read once, at parse time)."""
        if self.wanted.senders is None:
            return self.wanted
        try:
            digest = NumberDigest(SmsHook.for_connection(self.sms_conn_id).secret)
        except Exception as exc:
            rule = (
                f"needs connection {self.sms_conn_id!r} readable when the DAG is parsed (its credential keys "
                f"the digests stored instead of the numbers): {type(exc).__name__}"
            )
            problem = Problem("from_numbers", f"<{len(self.wanted.senders)} numbers>", rule)
            raise SmsValidationError([problem], "inbound trigger arguments") from None
        self.wanted = dataclasses.replace(
            self.wanted,
            senders=None,
            sender_digests=tuple(digest(sender) for sender in self.wanted.senders),
            digest_key_id=digest.key_id,
        )
        return self.wanted

    # -- on its own: Airflow 3.1 and 3.2 (and a trigger run directly) --------------------------------------

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll for ever, yielding one event per new wanted message, oldest first.

        The cursor takes the messages of a poll :data:`COMMIT_DELAY_S` seconds after their events were
        yielded, by when the triggerer has stored them (see the module documentation).
        """
        hook = await off_loop(shared_hooks.take, self.sms_conn_id)
        try:
            digest, current = self._sender_digest(hook)
            if not current:
                await asyncio.Event().wait()
            cursor = await off_loop(self._start_cursor)
            streak = 0
            while True:
                try:
                    listed = await off_loop(hook.inbound_messages, self.wanted.number, cursor.window_start())
                except (SmsApiError, SmsTransportError) as exc:
                    streak += 1
                    delay = self._log_failure(exc, streak)
                else:
                    streak, delay = 0, self.poll_interval
                    handled = cursor
                    for message in cursor.unseen(listed):
                        cursor = cursor.handled(message)
                        if self._takes(message, digest):
                            yield self._event(message)
                    if cursor != handled:
                        await asyncio.sleep(COMMIT_DELAY_S)
                        delay = max(0.0, delay - COMMIT_DELAY_S)
                        await off_loop(save_cursor, self.cursor_key, cursor.to_json())
                await asyncio.sleep(delay)
        finally:
            close_off_loop(hook)

    def _sender_digest(self, hook: SmsHook) -> tuple[NumberDigest | None, bool]:
        """Return the digest ``sender_digests`` were made with, and whether it is still the connection's.

        A trigger whose digests no longer match would take every message as from someone else: it takes
        nothing and leaves the cursor as it is until a parse of the DAG file replaces it (with new digests).
        """
        if self.wanted.sender_digests is None:
            return None, True
        digest = NumberDigest(hook.secret)
        if digest.key_id == self.wanted.digest_key_id:
            return digest, True
        self.log.error(
            "The credential of connection %r changed since the DAG was parsed: this watcher of %s takes "
            "nothing until a parse of the DAG file replaces it",
            self.sms_conn_id,
            mask_msisdn(self.wanted.number),
        )
        return digest, False

    def _takes(self, message: InboundSms, digest: NumberDigest | None) -> bool:
        """Return whether the message is wanted, logging it (numbers masked) when it is."""
        if not self.wanted.matches(message, digest):
            return False
        to, sender = mask_msisdn(self.wanted.number), mask_msisdn(message.from_number)
        self.log.info("Inbound SMS %s to %s from %s", message.id, to, sender)
        return True

    @staticmethod
    def _event(message: InboundSms) -> TriggerEvent:
        return TriggerEvent(message.to_payload())  # type: ignore[no-untyped-call]

    def _log_failure(self, exc: SmsApiError | SmsTransportError, streak: int) -> float:
        """Log a failed poll; return how long to wait before the next."""
        delay = self.max_backoff if not exc.retryable else self._backoff(streak)
        log = self.log.warning if exc.retryable else self.log.error
        log(
            "Polling inbound SMS to %s failed (%s); again in %.1f s",
            mask_msisdn(self.wanted.number),
            exc,
            delay,
        )
        return delay

    def _start_cursor(self) -> InboundCursor:
        """Return the kept cursor, or keep and return a new one starting now (or at ``since``)."""
        text = load_cursor(self.cursor_key)
        if text is not None:
            return InboundCursor.from_json(text)
        # Whole seconds: Fone Dynamics gives received times in seconds.
        floor = self.since or datetime.now(timezone.utc).replace(microsecond=0)
        cursor = InboundCursor(floor)
        save_cursor(self.cursor_key, cursor.to_json())
        return cursor

    def _backoff(self, streak: int) -> float:
        return _backoff(self.poll_interval, self.max_backoff, streak)

    # -- one poll loop per number: Airflow 3.3 (airflow.triggers.shared_stream, ack mode) ------------------

    def shared_stream_key(self) -> Hashable | None:
        """Return what makes watchers share one poll: connection, number, interval and backoff (3.3+)."""
        if not SHARES_POLLS:
            return None
        return (_STREAM_KIND, self.sms_conn_id, self.wanted.number, self.poll_interval, self.max_backoff)

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> InboundPollProducer:
        """Return the shared poll of the number in ``kwargs`` (Airflow 3.3, ack mode).

        :param kwargs: One watcher's :meth:`serialize` keyword arguments.
        """
        return InboundPollProducer(cls(**kwargs))

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        """Turn the shared polls of the number into this watcher's events, judged by its own cursor.

        Each poll carries what it listed; this watcher yields the messages its cursor has not handled and
        its filter wants, and records its cursor after the poll in the poll itself. The producer writes that
        cursor once Airflow has stored every event of the poll (:meth:`InboundPollProducer.advance`).

        :param shared_stream: The polls (:class:`InboundPoll`), as the triggerer hands them over.
        """
        hook = await off_loop(shared_hooks.take, self.sms_conn_id)
        try:
            digest, current = self._sender_digest(hook)
        finally:
            close_off_loop(hook)
        if not current:  # take every poll and nothing of it, so the other watchers' cursors move on
            async for _ in shared_stream:
                pass
        watch = _Watch(self.cursor_key, await off_loop(self._start_cursor))
        watches = _STREAM_WATCHES.setdefault(self.shared_stream_key(), {})
        watches[id(watch)] = watch
        try:
            async for poll in shared_stream:
                cursor = watch.cursor
                for message in cursor.unseen(poll.messages):
                    cursor = cursor.handled(message)
                    if self._takes(message, digest):
                        yield self._event(message)
                if cursor != watch.cursor:
                    poll.cursors.append((self.cursor_key, cursor))
                    watch.cursor = cursor
        finally:
            watches.pop(id(watch), None)
            if not watches:
                _STREAM_WATCHES.pop(self.shared_stream_key(), None)


@dataclass
class _Watch:
    """A watcher in a shared poll: its cursor key and its cursor, the messages it has yielded included."""

    cursor_key: str
    cursor: InboundCursor


#: The watchers of each shared poll in this triggerer, so a poll lists from the earliest cursor among them.
_STREAM_WATCHES: dict[Hashable, dict[int, _Watch]] = {}
_STREAM_KIND = "airflow_provider_sms.inbound"


@dataclass
class InboundPoll:
    """What one shared poll listed: the raw event every watcher of the number gets (Airflow 3.3).

    :param messages: The messages listed, oldest first.
    :param cursors: Filled by the watchers: ``(cursor key, cursor after this poll)`` of each that took a
        message of it; written by :meth:`InboundPollProducer.advance` once their events are stored.
    """

    messages: tuple[InboundSms, ...]
    cursors: list[tuple[str, InboundCursor]] = dataclasses.field(default_factory=list)


class InboundPollProducer(_SharedStreamProducer):  # type: ignore[misc,unused-ignore]
    """The one poll loop of the watchers of a number, in ack mode: it keeps their cursors (Airflow 3.3).

    :param trigger: One of the watchers (the others have the same connection, number and timing).
    """

    def __init__(self, trigger: SmsInboundTrigger) -> None:
        self.trigger = trigger
        self.key = trigger.shared_stream_key()

    async def open_stream(self) -> AsyncIterator[tuple[InboundPoll, InboundPoll]]:
        """Poll for ever from the earliest window of the watchers; yield each listing that has messages."""
        trigger = self.trigger
        hook = await off_loop(shared_hooks.take, trigger.sms_conn_id)
        number = mask_msisdn(trigger.wanted.number)
        trigger.log.info("One shared poll of inbound SMS to %s for its watchers in this triggerer", number)
        try:
            streak = 0
            while True:
                watches = list(_STREAM_WATCHES.get(self.key, {}).values())
                if not watches:  # no watcher has read its cursor yet
                    await asyncio.sleep(0.05)
                    continue
                since = min(watch.cursor.window_start() for watch in watches)
                try:
                    listed = await off_loop(hook.inbound_messages, trigger.wanted.number, since)
                except (SmsApiError, SmsTransportError) as exc:
                    streak += 1
                    delay = trigger._log_failure(exc, streak)
                else:
                    streak, delay = 0, trigger.poll_interval
                    if listed:
                        poll = InboundPoll(tuple(listed))
                        yield poll, poll
                await asyncio.sleep(delay)
        finally:
            close_off_loop(hook)

    async def advance(self, batch: Sequence[Any]) -> None:
        """Write the watchers' cursors of polls whose events Airflow has stored.

        A poll whose events were not all confirmed stored (the triggerer's ack timeout) is not written: its
        messages are listed again after a restart, and some may repeat.

        :param batch: ``AdvanceItem`` s, in poll order.
        """
        latest: dict[str, InboundCursor] = {}
        for item in batch:
            poll: InboundPoll = item.broker_payload
            if item.outcome.failed:
                self.trigger.log.warning(
                    "Events of %d inbound SMS were not confirmed stored; their cursor is not moved past them",
                    len(poll.messages),
                )
                continue
            latest.update(poll.cursors)
        for key, cursor in latest.items():
            # Bounded: at shutdown the triggerer may no longer answer (the cursor then stays behind).
            await asyncio.wait_for(off_loop(save_cursor, key, cursor.to_json()), _SAVE_TIMEOUT_S)


# -- the reply sensor's trigger ------------------------------------------------------------------------------
class SmsReplyTrigger(BaseTrigger):
    """Poll one of our numbers until a wanted message arrives, the deadline passes or the API refuses.

    Yields exactly one event: ``status`` is ``success`` (with ``reply``: the message's ``id``, ``body``,
    ``received_at`` and ``in_reply_to``, no numbers), ``timeout`` or ``error`` (``fatal`` says whether a
    retry could help); ``message`` says why. The senders travel as :class:`NumberDigest` digests.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection.
    :param number: Our number (E.164) or short code.
    :param sender_digests: Digests of the numbers whose reply counts.
    :param digest_key_id: The :attr:`NumberDigest.key_id` of the digests.
    :param body_pattern: Only messages whose text this regular expression finds something in.
    :param since: ISO-8601: only messages received at or after it count.
    :param end_time: Absolute deadline, Unix seconds.
    :param poll_interval: Seconds between polls.
    :param max_backoff: Longest wait after transient errors, in seconds.
    """

    def __init__(
        self,
        sms_conn_id: str,
        number: str,
        sender_digests: Sequence[str],
        digest_key_id: str,
        since: str,
        end_time: float,
        body_pattern: str | None = None,
        poll_interval: float = 60.0,
        max_backoff: float = DEFAULT_MAX_BACKOFF_S,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.sms_conn_id = sms_conn_id
        self.number = number
        self.sender_digests = list(sender_digests)
        self.digest_key_id = digest_key_id
        self.since = since
        self.end_time = float(end_time)
        self.body_pattern = body_pattern
        self.poll_interval = float(poll_interval)
        self.max_backoff = float(max_backoff)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON keyword arguments that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "sms_conn_id": self.sms_conn_id,
                "number": self.number,
                "sender_digests": list(self.sender_digests),
                "digest_key_id": self.digest_key_id,
                "since": self.since,
                "end_time": self.end_time,
                "body_pattern": self.body_pattern,
                "poll_interval": self.poll_interval,
                "max_backoff": self.max_backoff,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until done and yield the one event."""
        yield TriggerEvent(await self._wait())  # type: ignore[no-untyped-call]

    async def _wait(self) -> dict[str, Any]:
        to = mask_msisdn(self.number)
        try:
            wanted = InboundFilter.build(self.number, None, self.body_pattern)
            wanted = dataclasses.replace(wanted, sender_digests=tuple(self.sender_digests))
            since = aware_time(self.since, "since") or datetime.now(timezone.utc)
            hook = await off_loop(shared_hooks.take, self.sms_conn_id)
        except SmsError as exc:
            return error_event(exc)
        except Exception as exc:  # e.g. the connection does not exist (yet): a retry of the task may help
            return open_failed_event(self.sms_conn_id, exc)
        try:
            if NumberDigest(hook.secret).key_id != self.digest_key_id:
                message = "The connection's credential changed since the sensor deferred; a retry waits again"
                return {"status": "error", "message": message, "fatal": False}
            streak = 0
            while True:
                try:
                    reply = await off_loop(find_reply, hook, wanted, since)
                except (SmsApiError, SmsTransportError) as exc:
                    if not exc.retryable:
                        return error_event(exc)
                    streak += 1
                    delay = _backoff(self.poll_interval, self.max_backoff, streak)
                    self.log.warning("Polling replies to %s failed (%s); again in %.1f s", to, exc, delay)
                else:
                    if reply is not None:
                        return {
                            "status": "success",
                            "message": f"Reply {reply.id} to {to}",
                            "reply": _reply(reply),
                        }
                    streak, delay = 0, self.poll_interval
                    self.log.info("No reply to %s yet since %s", to, utc_seconds(since))
                remaining = self.end_time - time.time()
                if remaining <= 0:
                    return {"status": "timeout", "message": f"No reply to {to} since {utc_seconds(since)}"}
                await asyncio.sleep(min(delay, remaining))
        finally:
            close_off_loop(hook)


def _reply(message: InboundSms) -> dict[str, Any]:
    """Return what an event carries of a reply: no phone numbers."""
    payload = message.to_payload()
    return {key: payload[key] for key in ("id", "body", "received_at", "in_reply_to")}
