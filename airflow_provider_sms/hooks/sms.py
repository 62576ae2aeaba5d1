"""``SmsHook``: the vendor-neutral hook, and the neutral types every vendor hook takes and returns.

A vendor hook (``hooks/sinch.py``, ``hooks/fonedynamics.py``) holds everything about its vendor: the
connection, one method per API endpoint, and the neutral operations below, which the campaign engine
(``hooks/campaign.py``), the operators, the sensors, the trigger and the notifier use without knowing
the vendor. :meth:`SmsHook.for_connection` picks the vendor hook by the connection's type.
"""

from __future__ import annotations

import difflib
import enum
import functools
import importlib
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol
from urllib.parse import urlsplit

import pendulum

from airflow_provider_sms.exceptions import Problem, SmsCapabilityError, SmsRefusedError, SmsValidationError
from airflow_provider_sms.hooks.tracking import FEATURE_WORDS as FEATURE_WORDS
from airflow_provider_sms.hooks.tracking import ChunkPreview, SmsTrackingHook
from airflow_provider_sms.hooks.tracking import Feature as Feature
from airflow_provider_sms.models.sms import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    HIDDEN,
    MAX_CONCURRENT_REQUESTS_LIMIT,
    MAX_RECIPIENTS_PER_SECOND_LIMIT,
    SettingsChecker,
    count_parts,
    mask_msisdn,
)
from airflow_provider_sms.version_compat import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from airflow_provider_sms.hooks._form import ConnectionForm

#: Vendor hook class of each connection type, imported only when a connection of that type is used.
HOOK_CLASS_PATHS: dict[str, str] = {
    "sinch": "airflow_provider_sms.hooks.sinch.SinchHook",
    "fonedynamics": "airflow_provider_sms.hooks.fonedynamics.FoneDynamicsHook",
}

#: A ``${key}`` placeholder, with Sinch's key characters.
HTTPS_PORT = 443
HTTP_PORT = 80
PLACEHOLDER_PATTERN = re.compile(r"\$\{([A-Za-z0-9._-]+)\}")


# -- what a send hands a vendor hook ------------------------------------------------------------------


#: The ``values`` of a recipient without values of its own: one shared, read-only mapping.
NO_VALUES: Mapping[str, str] = MappingProxyType({})


class ChunkRecipient(NamedTuple):
    """One recipient of a chunk (a tuple: one is made per recipient and pass, so it must be cheap).

    :ivar position: 0-based position in the whole send (the list, CSV row or ``messages`` item).
    :ivar to: The E.164 number.
    :ivar values: This recipient's own ``${key}`` values (defaults are in :class:`SendOptions`).
    :ivar body: The recipient's own text (a ``messages`` item); ``None`` in a one-text campaign.
    """

    position: int
    to: str
    values: Mapping[str, str] = NO_VALUES
    body: str | None = None

    def __repr__(self) -> str:
        return f"ChunkRecipient(position={self.position}, to={mask_msisdn(self.to)!r})"


@dataclass(frozen=True)
class SendChunk:
    """One vendor request of a send.

    :param number: 0-based chunk number within the send.
    :param key: Idempotency key (``KEY_PATTERN`` of ``hooks/campaign.py``).
    :param recipients: The recipients, in order.
    :param checked_numbers: Their numbers, if the engine checked them (E.164, none twice in the send).
    """

    number: int
    key: str
    recipients: Sequence[ChunkRecipient]
    checked_numbers: Sequence[str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SendOptions:
    """What every message of a send shares.

    :param body: The text with ``${key}`` placeholders; ``None`` when each recipient carries its own.
    :param defaults: ``${key}`` values for recipients without their own.
    :param parameter_keys: Every parameter key of the send (``parameters`` keys, CSV columns); a
        ``${key}`` of another name is not a parameter and stays as written.
    :param from_: Sender id; ``None`` uses the connection's default sender (Fone Dynamics: a leased number).
    :param send_at: When to send; ``None`` sends at once.
    :param expire_at: When to stop trying to deliver (a vendor with the ``expire_at`` feature only).
    :param vendor: Vendor-specific options by the vendor's field name, checked by the vendor hook
        (:meth:`SmsHook.check_send_options`) and validated by its request model.
    """

    body: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)
    parameter_keys: frozenset[str] = frozenset()
    from_: str | None = None
    send_at: datetime | None = None
    expire_at: datetime | None = None
    vendor: Mapping[str, Any] = field(default_factory=dict)

    def text_for(self, recipient: ChunkRecipient) -> str:
        """Return the text the recipient gets, placeholders filled (unknown keys are left as they are).

        :param recipient: The recipient.
        """
        if recipient.body is not None:
            return recipient.body
        return render_placeholders(self.body or "", recipient.values, self.defaults, self.parameter_keys)[0]

    def __repr__(self) -> str:
        shown = [name for name in ("from_", "send_at", "expire_at") if getattr(self, name) is not None]
        shown += [f"vendor.{name}" for name in sorted(self.vendor)]
        return f"SendOptions({', '.join(f'{name}=...' for name in shown)})"


@dataclass(frozen=True)
class SentChunk:
    """What one chunk's key created at the vendor.

    :param key: The chunk's idempotency key.
    :param batch_id: The id the sensors and batch operators accept (Sinch batch id, Fone ``<key>@<unix>``).
    :param accepted: How many messages the vendor accepted.
    :param rejected: ``(index in the chunk, vendor's reason)`` of each message the vendor refused.
    :param found: Whether it was found already sent (by an earlier try) rather than sent now.
    :param found_indexes: For a chunk found again: the indexes in the chunk of the messages found, when the
        vendor's records tell them apart (``None`` otherwise). A message of the chunk not among them was
        refused when the chunk was sent, and is not sent again.
    """

    key: str
    batch_id: str
    accepted: int
    rejected: tuple[tuple[int, str], ...] = ()
    found: bool = False
    found_indexes: frozenset[int] | None = None


@dataclass(frozen=True)
class ChunkSent:
    """What sending one chunk came to.

    :param chunk: The chunk.
    :param sent: What its key created, now or (``sent.found``) by an earlier try.
    :param refused: One problem (number masked) per recipient the vendor refused.
    :param parts: SMS parts of the messages the vendor took.
    """

    chunk: SendChunk
    sent: SentChunk
    refused: tuple[Problem, ...]
    parts: int


class Log(Protocol):
    """What the engine logs through: a ``logging.Logger`` or a task's ``self.log``."""

    def info(self, event: Any, /, *args: Any) -> Any:
        """Log at INFO."""

    def warning(self, event: Any, /, *args: Any) -> Any:
        """Log at WARNING."""


class SendLimits(NamedTuple):
    """How fast one send may go (the connection's ``extra``).

    :ivar max_concurrent_requests: Chunk requests under way at once; 1 sends them one after another.
    :ivar max_recipients_per_second: Recipients handed to the vendor per second at most; ``None``: no limit.
    """

    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS
    max_recipients_per_second: int | None = None

    @classmethod
    def read(cls, extra: Mapping[str, Any], check: SettingsChecker) -> SendLimits:
        """Return the limits ``extra`` sets; ``check`` records each broken rule (as ``extra.<key>``).

        :param extra: The connection's ``extra``.
        :param check: Collects the problems.
        """
        concurrent = check.count(
            "extra.max_concurrent_requests",
            extra.get("max_concurrent_requests"),
            DEFAULT_MAX_CONCURRENT_REQUESTS,
            minimum=1,
            maximum=MAX_CONCURRENT_REQUESTS_LIMIT,
        )
        rate = extra.get("max_recipients_per_second")
        if rate is None or rate == "":
            return cls(concurrent)
        field, most = "extra.max_recipients_per_second", MAX_RECIPIENTS_PER_SECOND_LIMIT
        return cls(concurrent, check.count(field, rate, 1, minimum=1, maximum=most))


class RecipientPacer:
    """Paces a send to ``per_second`` recipients a second (``max_recipients_per_second``).

    A chunk waits, before its request, until the recipients of the chunks before it are paid for: a token
    bucket charged per chunk by its recipients, which holds one chunk's worth.

    :param per_second: Recipients per second.
    :param clock: Monotonic clock (injected in tests).
    :param sleep: Sleep function (injected in tests).
    """

    def __init__(
        self,
        per_second: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second, self._clock, self._sleep = per_second, clock, sleep
        self._free_at = clock()

    def take(self, recipients: int) -> None:
        """Wait until the chunks before are paid for, then charge ``recipients``."""
        now = self._clock()
        if self._free_at > now:
            self._sleep(self._free_at - now)
        self._free_at = max(now, self._free_at) + recipients / self.per_second


#: Why a recipient of a chunk found again has no message: the vendor refused it when the chunk was sent.
REFUSED_EARLIER = "refused by the vendor when its chunk was first sent; not sent again"
#: Most rejected recipients listed in a result; the count covers all of them.
MAX_LISTED = 20


@dataclass
class RejectedList:
    """Problems of recipients left out: the first :data:`MAX_LISTED` kept, all counted.

    :param count: Recipients left out, repeated numbers included.
    :param listed: The first problems.
    :param repeats: How many of them repeat a number listed earlier.
    """

    count: int = 0
    listed: list[Problem] = field(default_factory=list)
    repeats: int = 0

    def add(self, problem: Problem, *, repeat: bool = False) -> None:
        """Count a problem and keep it if the list is not full.

        :param problem: The problem (numbers already masked).
        :param repeat: Whether the recipient repeats a number listed earlier.
        """
        self.count += 1
        self.repeats += repeat
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)

    def as_json(self) -> list[dict[str, str]]:
        """Return the kept problems as JSON objects."""
        return [{"field": p.field, "value": p.value, "rule": p.rule} for p in self.listed]


@dataclass
class Checked:
    """What a campaign's ``validate`` found, so that its ``send`` checks no recipient again.

    :param done: Whether the whole source was validated.
    :param left_out: By chunk number, the positions left out (only chunks that leave any out).
    :param stamp: The CSV file's size and modification time when it was validated.
    :param text_rules: Why each distinct text is unusable, or ``None``: texts repeat across recipients.
    :param chunks: How many chunk keys the send has (chunk numbers ``0`` to ``chunks - 1``).
    """

    done: bool = False
    left_out: dict[int, Sequence[int]] = field(default_factory=dict)
    stamp: tuple[int, int] | None = None
    text_rules: dict[str, str | None] = field(default_factory=dict)
    chunks: int = 0


def render_placeholders(
    body: str, values: Mapping[str, str], defaults: Mapping[str, str], keys: AbstractSet[str]
) -> tuple[str, list[str]]:
    """Fill ``${key}`` placeholders the way Sinch does.

    A parameter key with neither a value for the recipient nor a default is *unmatched* (Sinch aborts
    that recipient's message); a ``${name}`` that is no parameter key stays as written.

    :param body: The text.
    :param values: The recipient's own values.
    :param defaults: Values for recipients without their own.
    :param keys: The send's parameter keys.
    :return: The text, and the unmatched keys (the text is unusable when there are any).
    """
    if "${" not in body:  # no placeholder: most campaigns' texts, once per recipient
        return body, []
    unmatched: list[str] = []

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in keys and key not in values and key not in defaults:
            return match.group(0)
        value = values.get(key, defaults.get(key))
        if value is None:
            unmatched.append(key)
            return ""
        return value

    return PLACEHOLDER_PATTERN.sub(fill, body), unmatched


# -- send schedule: when messages go out, and what a send_at already past does ----------------------

ISO_RULE = "must be a datetime or an ISO-8601 date-time string"


class PastSchedule(str, enum.Enum):
    """What a ``send_at`` that is not in the future does when the send starts (typically a backfill).

    ``send_now`` drops it and sends at once (an ``expire_at`` keeps its distance from ``send_at``);
    ``skip`` and ``fail`` skip or fail the task, before any request.
    """

    SEND_NOW = "send_now"
    SKIP = "skip"
    FAIL = "fail"


@dataclass(frozen=True)
class Schedule:
    """The schedule a send uses.

    :param send_at: When to send; ``None`` sends at once.
    :param expire_at: When to give up delivering, if set.
    :param was_past: Whether the given ``send_at`` was not in the future.
    """

    send_at: datetime | None
    expire_at: datetime | None
    was_past: bool = False

    def due_by(self, now: datetime) -> Schedule:
        """Return the schedule for a request made at ``now``: a ``send_at`` that has passed is dropped.

        :param now: The time of the request.
        """
        if self.send_at is not None and self.send_at <= now:
            return Schedule(None, self.expire_at, self.was_past)
        return self


def parse_when(field_name: str, value: object) -> datetime | None:
    """Return ``value`` as an aware datetime (a string without offset is UTC), ``None`` when empty.

    :param field_name: The argument's name, for the error.
    :param value: A datetime, an ISO-8601 string, or ``None``/``""``.
    :raises SmsValidationError: the value is neither.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip(), tz="UTC")
        except (ValueError, TypeError, OverflowError):
            parsed = None
        if isinstance(parsed, datetime):
            return parsed
        shown = repr(value[:40])
    else:
        shown = f"<{type(value).__name__}>"
    raise SmsValidationError([Problem(field_name, shown, ISO_RULE)], subject="schedule")


def resolve_schedule(
    send_at: datetime | None, expire_at: datetime | None, policy: PastSchedule, now: datetime
) -> Schedule:
    """Apply ``past_schedule``: keep a future ``send_at``, or decide a past one.

    :param send_at: The requested send time.
    :param expire_at: The requested expiry.
    :param policy: The ``past_schedule`` policy.
    :param now: The current time.
    """
    if send_at is None or send_at > now:
        return Schedule(send_at, expire_at)
    if policy is not PastSchedule.SEND_NOW:
        return Schedule(send_at, expire_at, was_past=True)
    if expire_at is not None and expire_at > send_at:
        expire_at = now + (expire_at - send_at)
    return Schedule(None, expire_at, was_past=True)


def past_schedule_policy(value: str) -> PastSchedule:
    """Return the ``past_schedule`` argument as a policy.

    :param value: ``send_now``, ``skip`` or ``fail``.
    :raises SmsValidationError: naming the argument and the choices.
    """
    try:
        return PastSchedule(value)
    except ValueError:
        rule = "must be one of " + ", ".join(p.value for p in PastSchedule)
        raise SmsValidationError([Problem("past_schedule", repr(value), rule)], "send") from None


# -- the hook ------------------------------------------------------------------------------------------


@contextmanager
def failing_without_retry() -> Iterator[None]:
    """Raise bad arguments and missing vendor features as ``AirflowFailException`` (never retried)."""
    try:
        yield
    except (SmsValidationError, SmsCapabilityError) as exc:
        raise AirflowFailException(str(exc)) from exc


@functools.lru_cache(maxsize=1024)
def parts_of(text: str) -> int:
    """Return the SMS parts of ``text`` (placeholders filled), remembered for the last 1,024 texts."""
    return count_parts(text).parts


#: How far a vendor's clock may run behind Airflow's: a look-up from ``since`` reads from this long before.
LOOKUP_CLOCK_SKEW = timedelta(minutes=5)


def earliest_send(context: Mapping[str, Any]) -> datetime | None:
    """Return a time before which no try of the task instance in ``context`` can have sent anything.

    The scheduler starts a DAG run no earlier than its ``run_after``, which no retry, clear (it resets the
    run's ``start_date``), killed try or backfill (a past interval's end: loose but safe) changes; XCom
    cannot carry a value from the first try, as each try starts without XComs. The earliest of
    ``run_after`` and both ``start_date`` is taken, so one late value (``dag.test()``) does no harm.

    :param context: A task's or a callback's context.
    :return: The bound, or ``None`` when the context has none of these times.
    """
    times = [
        getattr(context.get(holder), name, None)
        for holder, name in (("dag_run", "run_after"), ("dag_run", "start_date"), ("ti", "start_date"))
    ]
    known = [t for t in times if isinstance(t, datetime) and t.utcoffset() is not None]
    return min(known, default=None)


class SmsHook(SmsTrackingHook, ABC):
    """Vendor-neutral SMS hook; :meth:`for_connection` returns the vendor hook of a connection.

    The connection is read and checked once, into the vendor's typed settings, and the client is built
    once. Vendor hooks add one method per API endpoint and implement the neutral operations here.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection; the subclass's default when empty.
    :param logger_name: Name of the hook's logger (see Airflow's ``BaseHook``).
    """

    conn_name_attr = "sms_conn_id"
    conn_type: ClassVar[str]
    default_conn_name: ClassVar[str]
    hook_name: ClassVar[str]
    #: What the vendor can do, out of :data:`Feature`.
    features: ClassVar[frozenset[str]]
    #: Connection field of each settings field that does not live in ``extra`` (for error messages).
    connection_fields: ClassVar[Mapping[str, str]] = {"base_url": "host"}
    #: The connection form; its fields are the only keys ``extra`` may hold.
    connection_form: ClassVar[ConnectionForm]

    def __init__(self, sms_conn_id: str | None = None, logger_name: str | None = None) -> None:
        super().__init__(logger_name=logger_name)
        self.sms_conn_id = sms_conn_id or self.default_conn_name
        self._connection: Connection | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sms_conn_id={self.sms_conn_id!r})"

    @classmethod
    def for_connection(cls, conn_id: str) -> SmsHook:
        """Return the vendor hook for a connection, chosen by the connection's type.

        :param conn_id: Id of a ``sinch`` or ``fonedynamics`` connection.
        :raises SmsValidationError: the connection's type is not an SMS connection type.
        """
        connection = cls.get_connection(conn_id)
        class_path = HOOK_CLASS_PATHS.get(str(connection.conn_type))
        hook_class = _import_class(class_path) if class_path else None
        if hook_class is None or not issubclass(hook_class, cls):
            # A vendor hook class accepts its own type only; SmsHook accepts every type in the table.
            accepted = [
                t for t, path in HOOK_CLASS_PATHS.items() if issubclass(_import_class(path) or object, cls)
            ]
            rule = f"must be one of {', '.join(sorted(accepted))}"
            problem = Problem("conn_type", repr(connection.conn_type), rule)
            raise SmsValidationError([problem], subject=f"SMS connection {conn_id!r}")
        hook = hook_class(sms_conn_id=conn_id)
        hook._connection = connection
        return hook

    # -- connection ------------------------------------------------------------------------------------

    @property
    @abstractmethod
    def default_from(self) -> str | None:
        """The connection's default sender (``extra.default_from``), or ``None``."""

    @abstractmethod
    def get_conn(self) -> Any:
        """Return the vendor client, built on first use and then reused."""

    def test_connection(self) -> tuple[bool, str]:
        """Make one harmless read with the connection's credentials; never sends a message.

        :return: Whether it worked, and a message naming the vendor (never a secret).
        """
        try:
            done = self._probe()
        except Exception as exc:
            return False, f"{self.vendor} connection test failed: {self._redact(str(exc))}"
        return True, f"{self.vendor} connection works: {done}"

    @abstractmethod
    def _probe(self) -> str:
        """Make the connection test's single read request and say what it did."""

    def airflow_connection(self) -> Connection:
        """Return the Airflow connection, looked up once."""
        if self._connection is None:
            self._connection = self.get_connection(self.sms_conn_id)
        return self._connection

    def read_settings(self, settings_class: Callable[..., Any], values: Mapping[str, Any]) -> Any:
        """Build the vendor's typed settings, naming the connection's own fields in any error.

        :param settings_class: The vendor's settings class; it checks every rule when built.
        :param values: Its fields, read from the connection.
        :raises SmsValidationError: naming the connection and every bad field, and every ``extra`` key that
            is not a field of the connection form.
        """
        connection = self.airflow_connection()
        subject = f"{self.vendor} connection {self.sms_conn_id!r}"
        if connection.conn_type != self.conn_type:
            rule = f"{type(self).__name__} needs {self.conn_type!r}"
            raise SmsValidationError([Problem("conn_type", repr(connection.conn_type), rule)], subject)
        known = [form_field.name for form_field in self.connection_form.fields]
        problems = [
            Problem(f"extra.{p.field}", p.value, p.rule)
            for p in unknown_keys(self.extra(), known, self.conn_type)
        ]
        try:
            settings = settings_class(**values)
        except SmsValidationError as exc:
            problems += [Problem(self._connection_field(p.field), p.value, p.rule) for p in exc.problems]
        problems += _port_problems(connection.host, connection.port)
        limits = SettingsChecker(subject)
        SendLimits.read(self.extra(), limits)
        problems += limits.problems
        if problems:
            raise SmsValidationError(problems, subject) from None
        return settings

    @functools.cached_property
    def send_limits(self) -> SendLimits:
        """How fast a send through this connection may go (``extra``), checked on first use.

        :raises SmsValidationError: naming the connection and each bad value.
        """
        limits = SettingsChecker(f"{self.vendor} connection {self.sms_conn_id!r}")
        found = SendLimits.read(self.extra(), limits)
        limits.raise_problems()
        return found

    def extra(self) -> dict[str, Any]:
        """Return the connection's ``extra`` as a JSON object.

        :raises SmsValidationError: ``extra`` is not a JSON object.
        """
        extra = self.airflow_connection().extra_dejson
        if not isinstance(extra, dict):
            subject = f"{self.vendor} connection {self.sms_conn_id!r}"
            raise SmsValidationError(
                [Problem("extra", f"<{type(extra).__name__}>", "must be a JSON object")], subject
            )
        return extra

    def _connection_field(self, settings_field: str) -> str:
        head, dot, rest = settings_field.partition(".")
        name = self.connection_fields.get(head, f"extra.{head}")
        return name + dot + rest

    def _redact(self, text: str) -> str:
        secret = self._connection.password if self._connection is not None else None
        if secret and secret.strip():
            text = text.replace(secret.strip(), "***")
        return text

    # -- features --------------------------------------------------------------------------------------

    def supports(self, feature: Feature) -> bool:
        """Return whether the vendor can do ``feature``.

        :param feature: One of :data:`Feature`.
        """
        if feature not in FEATURE_WORDS:
            raise ValueError(f"unknown feature {feature!r}; known: {', '.join(sorted(FEATURE_WORDS))}")
        return feature in self.features

    def require(self, feature: Feature) -> None:
        """Fail unless the vendor can do ``feature``; call it before any request.

        :param feature: One of :data:`Feature`.
        :raises SmsCapabilityError: the vendor's API has no such operation.
        """
        if not self.supports(feature):
            raise SmsCapabilityError(self.vendor, FEATURE_WORDS[feature])

    # -- sending (the campaign engine calls these) -----------------------------------------------------

    @abstractmethod
    def max_chunk_size(self, *, individual: bool) -> int:
        """Return the most recipients one request may carry.

        :param individual: Whether each recipient has its own text (a ``messages`` send).
        """

    @abstractmethod
    def vendor_option_names(self) -> frozenset[str]:
        """Return the vendor-specific options a send may set (``SendOptions.vendor`` keys)."""

    def check_send_options(self, options: SendOptions) -> None:
        """Fail, before any request, if the send asks for what the vendor cannot do.

        :param options: The send's options.
        :raises SmsCapabilityError: ``expire_at`` is set and the vendor has no such option.
        :raises SmsValidationError: naming each unknown vendor option and the vendor's known ones.
        """
        if options.expire_at is not None:
            self.require("expire_at")
        known = self.vendor_option_names()
        unknown = sorted(set(options.vendor) - known)
        if unknown:
            rule = f"is not a {self.vendor} option; known: {', '.join(sorted(known))}"
            problems = [Problem(f"vendor_options.{name}", "(given)", rule) for name in unknown]
            raise SmsValidationError(problems, subject="send")

    def message_parts(self, text: str, options: SendOptions) -> int:
        """Return how many SMS parts a message with ``text`` takes.

        :param text: The message's text, placeholders filled.
        :param options: The send's options (a vendor may cut long texts to one part).
        """
        return parts_of(text)

    @abstractmethod
    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        """Build the chunk's request with the vendor's models, sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time schedule rules are checked against.
        :raises SmsValidationError: naming each broken rule.
        """

    @abstractmethod
    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        """Send the chunk as one request carrying its key.

        :param chunk: The chunk.
        :param options: The send's options.
        :raises SmsAmbiguousResultError: the request may or may not have taken effect; look the key up.
        """

    @abstractmethod
    def find_chunk(self, key: str, since: datetime | None = None) -> SentChunk | None:
        """Return what a chunk's key created, or ``None`` if it created nothing (within the lookup window).

        :param key: The chunk's idempotency key.
        :param since: Nothing with this key was sent before this time (:func:`earliest_send`); the
            look-up reads from :data:`LOOKUP_CLOCK_SKEW` before it (the whole list window if ``None``).
        """

    @abstractmethod
    def find_chunks(
        self, key_prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        """Return, by key, what each key starting with ``key_prefix`` created: any subset of a send's chunks.

        :param key_prefix: The start of the keys (``<campaign key>-c``).
        :param since: As for :meth:`find_chunk`.
        :param chunks: The send's keys are ``<key_prefix>0`` to ``<key_prefix><chunks - 1>``, which a vendor
            may look up one by one instead of listing; ``None``: unknown, keys are only listed.
        """

    def chunk_sent(self, chunk: SendChunk, sent: SentChunk, options: SendOptions) -> ChunkSent:
        """Return what sending (or finding) a chunk came to: who was refused (masked), and the parts.

        :param chunk: The chunk.
        :param sent: What its key created.
        :param options: The send's options.
        :raises SmsRefusedError: the vendor refused every message of the chunk.
        """
        refused = dict(sent.rejected)
        if sent.found_indexes is not None:
            missing = (i for i in range(len(chunk.recipients)) if i not in sent.found_indexes)
            refused.update((index, REFUSED_EARLIER) for index in missing)
        if refused and len(refused) >= len(chunk.recipients):
            reasons = "; ".join(sorted(set(refused.values())))
            raise SmsRefusedError(
                f"{self.vendor} refused every message of chunk {chunk.number} (key {chunk.key}): {reasons}"
            )
        problems = tuple(
            Problem(f"to[{chunk.recipients[i].position}]", mask_msisdn(chunk.recipients[i].to), reason)
            for i, reason in refused.items()
        )
        if options.body is not None and "${" not in options.body:  # one text for every recipient: count once
            parts = self.message_parts(options.body, options) * (len(chunk.recipients) - len(refused))
        else:
            texts = (options.text_for(r) for i, r in enumerate(chunk.recipients) if i not in refused)
            parts = sum(self.message_parts(text, options) for text in texts)
        return ChunkSent(chunk, sent, problems, parts)

    @abstractmethod
    def preview_chunk(self, chunk: SendChunk, options: SendOptions) -> ChunkPreview:
        """Return recipients, parts and encodings of the chunk without sending it.

        :param chunk: The chunk.
        :param options: The send's options.
        """


def _import_class(path: str) -> type[Any] | None:
    module_name, _, class_name = path.rpartition(".")
    found = getattr(importlib.import_module(module_name), class_name, None)
    return found if isinstance(found, type) else None


def _port_problems(host: str | None, port: int | None) -> list[Problem]:
    """Check the optional port: the port requests go to, or empty (0 is the UI's "no port").

    It is in the form only because Airflow 3.3's "Test Connection" button sends ``port: 0`` for a
    connection stored without one and the API server then refuses the test.
    """
    if not port:
        return []
    base_url = (host or "").strip()
    if not base_url:
        expected: int | None = HTTPS_PORT
    else:
        parts = urlsplit(base_url)
        try:
            expected = parts.port or {"https": HTTPS_PORT, "http": HTTP_PORT}.get(parts.scheme)
        except ValueError:
            expected = None  # a malformed host is reported by the settings
    if expected is None or port == expected:
        return []
    where = "the Base URL override's port" if base_url else "the vendor's HTTPS port"
    return [Problem("port", repr(str(port)), f"must be {expected} ({where}) or empty")]


def unknown_keys(given: Mapping[str, Any], known: Sequence[str], what: str) -> list[Problem]:
    """Return a problem for every key of ``given`` (e.g. an ``extra``) not in ``known``, never its value.

    A typo'd key would otherwise leave its setting at its default. The rule suggests the nearest known
    key, also for Airflow 2's ``extra__<what>__`` prefix; ``what`` is the connection type.
    """
    problems = []
    for key in given:
        if key in known:
            continue
        plain = str(key).lower().removeprefix(f"extra__{what}__")
        nearest = difflib.get_close_matches(plain, known, n=1)
        hint = f"did you mean {nearest[0]!r}? " if nearest else ""
        rule = f"is not a setting of a {what} connection; {hint}known keys: {', '.join(known)}"
        problems.append(Problem(str(key), HIDDEN, rule))
    return problems
