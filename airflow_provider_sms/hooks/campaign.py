"""The campaign engine of ``SmsSendOperator``, ``SmsDryRunOperator`` and ``SmsNotifier``, for any vendor:
one text to many recipients, or individual messages, sent exactly once.

1. :meth:`Campaign.build` checks every argument, applies the past-schedule policy and opens the recipient
   source (a list, a CSV file read row by row, or ``messages``); no request.
2. :meth:`Campaign.validate` reads the source once: each recipient is checked (each distinct text once; a
   list of E.164 numbers for one text as a whole), each chunk (one request, at most ``chunk_size`` source
   positions) built into the vendor's request; one bad recipient, sender, schedule or body refuses the
   campaign before any request. Only the positions left out are kept (and a clean list's numbers). A
   number listed again is left out of its chunk and reported (one SMS per number), never an error.
3. :meth:`Campaign.send` reads the source again (a CSV file row by row), sends chunk by chunk and checks
   no recipient again (the dry run previews each chunk of :meth:`Campaign.chunks` instead).

Idempotency: chunk ``n`` carries the key ``<campaign key>-c<n>`` (``campaign_key`` of the send operator:
the same in every try). A try first finds the keys earlier tries created since ``sent_since`` (the hook
lists them, or looks each of the send's keys up where that takes fewer requests) and sends exactly the
chunks whose keys it does not hold, whatever subset that is. Up to ``max_concurrent_requests`` chunks are
under way at once (chunk ``n`` starts only after chunk ``n - K`` finished), their outcomes yielded in
chunk order. After an ambiguous failure a chunk's key is looked up before it is sent again.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import logging
import re
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from itertools import count, islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol, TextIO, TypeVar, cast

from airflow_provider_sms.exceptions import (
    Problem,
    SmsAmbiguousResultError,
    SmsError,
    SmsValidationError,
    problem_of,
)
from airflow_provider_sms.hooks.sms import (
    NO_VALUES,
    PLACEHOLDER_PATTERN,
    Checked,
    ChunkRecipient,
    ChunkSent,
    Log,
    PastSchedule,
    RecipientPacer,
    RejectedList,
    Schedule,
    SendChunk,
    SendOptions,
    SentChunk,
    SmsHook,
    parse_when,
    past_schedule_policy,
    render_placeholders,
    resolve_schedule,
)
from airflow_provider_sms.models.sms import (
    E164_PATTERN,
    MAX_MESSAGE_PARTS,
    RepeatedNumbers,
    check_message_text,
    e164_rule,
    is_e164,
    looks_like_digits,
    mask_msisdn,
    normalize_number,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")


InvalidRecipients = Literal["reject", "skip"]
DEFAULT_CHUNK_SIZE = 1000
#: How often one chunk is sent again after ambiguous failures (each time after a lookup found nothing).
MAX_AMBIGUOUS_RESENDS = 3
#: How often a failed look-up of a chunk's key is made before the try fails (each with the client's retries).
LOOKUP_ATTEMPTS = 3
#: Distinct texts whose checks are remembered (personalised texts repeat: a first name, a code).
TEXT_RULES_KEPT = 4096
#: Numbers without line breaks, joined by them, each E.164 (:data:`E164_PATTERN`): checks a chunk in one call.
E164_LINES = re.compile("(?:{0}\n)*{0}".format(E164_PATTERN.pattern.removeprefix("^").removesuffix(r"\Z")))
#: Why a recipient of a chunk found again has no message: the vendor refused it when the chunk was sent.
REFUSED_EARLIER = "refused by the vendor when its chunk was first sent; not sent again"
#: Idempotency keys (``<campaign key>-c<chunk>``, see the send operator's ``campaign_key``) are short and
#: URL/ExternalId-safe: letters, digits, ``-`` and ``_``.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")
#: Chunk numbers fit in 7 digits, so a key and its Fone ``.<position>`` stay within 100 characters.
MAX_CHUNKS = 10_000_000


def chunk_key(key: str, number: int) -> str:
    """Return the key of chunk ``number`` of a campaign.

    :param key: The campaign key.
    :param number: The 0-based chunk number.
    :raises SmsValidationError: the send has more chunks than keys can number.
    """
    if not 0 <= number < MAX_CHUNKS:
        rule = f"a send has at most {MAX_CHUNKS} chunks"
        raise SmsValidationError([Problem("chunk", str(number), rule)], subject="send")
    return f"{key}-c{number}"


# -- recipient sources --------------------------------------------------------------------------------

#: The CSV column holding the recipient's number; every other column is a ``${column}`` value.
PHONE_COLUMN = "phone"
#: How a CSV file is read unless ``encoding`` says otherwise: UTF-8, a byte order mark skipped.
DEFAULT_ENCODING = "utf-8-sig"
ENCODING_HINT = "pass the file's encoding as encoding=, e.g. 'latin-1' or 'cp1252', or save the file as UTF-8"
_UNDECODED = re.compile("[\udc80-\udcff]")
MESSAGE_KEYS = frozenset({"to", "body"})
NUMBER_TYPE_RULE = "must be a phone number string"
#: The ``parameters`` key of the value used for recipients without their own.
DEFAULT_KEY = "default"


class SourceItem(NamedTuple):
    """One recipient as the source gives it (a tuple: one is made per recipient and pass).

    :param recipient: The recipient (its number not checked yet).
    :param where: Where it sits, for errors, e.g. ``to[3]`` or ``messages[3]``.
    :param problem: Why the entry is unusable, if it is.
    """

    recipient: ChunkRecipient
    where: str
    problem: Problem | None = None


class RecipientSource(Protocol):
    """A re-readable stream of recipients: every read yields them in order, at positions 0, 1, 2 ..."""

    def __iter__(self) -> Iterator[SourceItem]:
        """Yield the recipients in order."""


@dataclass(frozen=True)
class ParameterValues:
    """The ``parameters`` argument: ``{key: {number or "default": value}}``, as Sinch takes it.

    :param by_key: The checked mapping.
    """

    by_key: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: object) -> ParameterValues:
        """Check the ``parameters`` argument with Sinch's rules (keys, numbers, values).

        :param value: The argument, ``None`` for none.
        :raises SmsValidationError: naming the broken rule, numbers masked.
        """
        if value is None:
            return cls()
        from airflow_provider_sms.models.sinch import check_parameters

        try:
            check_parameters(value)
        except ValueError as exc:
            shown, rule = getattr(exc, "value", "(hidden)"), getattr(exc, "rule", str(exc))
            raise SmsValidationError([Problem("parameters", shown, rule)], subject="parameters") from None
        return cls(cast("Mapping[str, Mapping[str, str]]", value))  # check_parameters found a mapping

    def defaults(self) -> dict[str, str]:
        """Return the ``default`` value of each key that has one."""
        return {key: values[DEFAULT_KEY] for key, values in self.by_key.items() if DEFAULT_KEY in values}

    def values_for(self, number: str) -> Mapping[str, str]:
        """Return the recipient's own values (not the defaults).

        :param number: The recipient's number.
        """
        if not self.by_key:
            return NO_VALUES
        return {key: values[number] for key, values in self.by_key.items() if number in values}


@dataclass(frozen=True)
class ListSource:
    """Recipients from a list of numbers; an int is a number whose ``+`` a native template render dropped.

    :param numbers: The numbers.
    :param parameters: Per-recipient values.
    """

    numbers: Sequence[object]
    parameters: ParameterValues

    def __iter__(self) -> Iterator[SourceItem]:
        values_for = self.parameters.values_for
        for position, given in enumerate(self.numbers):
            number = given.strip() if type(given) is str else normalize_number(given)
            if not isinstance(number, str):
                where = f"to[{position}]"
                problem = Problem(where, f"<{type(number).__name__}>", NUMBER_TYPE_RULE)
                yield SourceItem(ChunkRecipient(position, ""), where, problem)
                continue
            yield SourceItem(ChunkRecipient(position, number, values_for(number)), f"to[{position}]")


@dataclass(frozen=True)
class CsvSource:
    """Recipients from a CSV file with a header: a ``phone`` column and optional ``${column}`` values.

    Read row by row (memory does not grow with the campaign). An empty cell is no value (the ``parameters``
    default applies); a cell overrides ``parameters``. An unreadable row is refused naming its line.

    :param path: The file.
    :param parameters: Per-recipient values and defaults.
    :param encoding: The file's encoding (a UTF-8 byte order mark is skipped).
    """

    path: Path
    parameters: ParameterValues
    encoding: str = DEFAULT_ENCODING

    def stamp(self) -> tuple[int, int]:
        """Return the file's size and modification time: the send checks it is the file it validated."""
        return (found := self.path.stat()).st_size, found.st_mtime_ns

    def columns(self) -> list[str]:
        """Return the header's columns after checking that the file can be read and has ``phone``.

        :raises SmsValidationError: naming the file and the rule.
        """
        with self._open() as handle:
            reader = csv.reader(handle)
            header = next(self._rows(reader, lambda: reader.line_num), None)
        columns = [h.strip() for h in header or []]
        if PHONE_COLUMN not in columns:
            rule = f"a CSV file must have a header with a {PHONE_COLUMN!r} column"
            raise SmsValidationError([Problem("to", repr(str(self.path)), rule)], subject="recipients")
        return columns

    def __iter__(self) -> Iterator[SourceItem]:
        with self._open() as handle:
            reader = csv.DictReader(handle)
            for position, row in enumerate(self._rows(reader, lambda: reader.reader.line_num)):
                where = f"to[{position}] (line {reader.line_num})"
                cells = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
                number = cells.pop(PHONE_COLUMN, "")
                values = {**self.parameters.values_for(number), **{k: v for k, v in cells.items() if k and v}}
                yield SourceItem(ChunkRecipient(position, number, values), where)

    def _rows(self, reader: Iterator[Any], line: Callable[[], int]) -> Iterator[Any]:
        """Yield the reader's rows; a row that is not CSV text in the encoding is refused naming its line."""
        try:
            for row in reader:
                for cell in row.values() if isinstance(row, Mapping) else row:
                    if isinstance(cell, str) and (undecoded := _UNDECODED.search(cell)):
                        raise self._error(line(), f"byte 0x{ord(undecoded.group()) - 0xDC00:02X}")
                yield row
        except UnicodeError as exc:  # what surrogateescape cannot carry, e.g. a broken UTF-16 stream
            raise self._error(line() + 1, str(exc).partition(": ")[2] or str(exc)) from None
        except csv.Error as exc:
            raise self._error(line(), str(exc), f"cannot be read as CSV ({exc})") from None

    def _error(self, line: int, detail: str, rule: str = "") -> SmsValidationError:
        encoding = self.encoding.replace("utf-8-sig", "UTF-8")
        rule = rule or f"is not {encoding} text ({detail}); {ENCODING_HINT}"
        return SmsValidationError([Problem("to", f"{str(self.path)!r} line {line}", rule)], "recipients")

    def _open(self) -> TextIO:
        try:
            # Bytes the encoding cannot decode become U+DC80..U+DCFF, found row by row with their line.
            return self.path.open(newline="", encoding=self.encoding, errors="surrogateescape")
        except OSError as exc:
            rule = f"must be a readable CSV file ({exc.strerror})"
            raise SmsValidationError([Problem("to", repr(str(self.path)), rule)], "recipients") from None


@dataclass(frozen=True)
class MessagesSource:
    """Individual messages: ``[{"to": number, "body": text}, ...]``.

    :param messages: The messages.
    """

    messages: Sequence[object]

    def __iter__(self) -> Iterator[SourceItem]:
        for position, message in enumerate(self.messages):
            where = f"messages[{position}]"
            if not isinstance(message, Mapping) or set(message) - MESSAGE_KEYS:
                shown = f"<{type(message).__name__}>"
                if isinstance(message, Mapping):
                    shown = "keys " + ", ".join(sorted(repr(k) for k in set(message) - MESSAGE_KEYS))
                shape_problem = Problem(where, shown, "must be a mapping with only 'to' and 'body'")
                yield SourceItem(ChunkRecipient(position, "", body=""), where, shape_problem)
                continue
            number, text = normalize_number(message.get("to")), ""
            problem: Problem | None = None
            if not isinstance(number, str):
                problem = Problem(f"{where}.to", f"<{type(number).__name__}>", NUMBER_TYPE_RULE)
            else:
                try:
                    text = check_message_text(message.get("body"))
                except ValueError as exc:
                    problem = problem_of(f"{where}.body", exc)
            recipient = ChunkRecipient(position, number if isinstance(number, str) else "", body=text)
            yield SourceItem(recipient, f"{where}.to", problem)


def recipient_source(
    to: object, messages: object, parameters: object, encoding: str = DEFAULT_ENCODING
) -> RecipientSource:
    """Return the source the arguments describe: exactly one of ``to`` and ``messages``.

    ``to`` is a list of numbers, one number (``+`` and digits, or an int: a native render drops the ``+``),
    or a CSV file's path. Digits without ``+`` are refused as a number missing its ``+``, not a file name.

    :param to: The ``to`` argument.
    :param messages: The ``messages`` argument.
    :param parameters: The ``parameters`` argument.
    :param encoding: The CSV file's encoding.
    :raises SmsValidationError: naming the argument and the rule.
    """
    given = [name for name, value in (("to", to), ("messages", messages)) if value not in (None, "", [])]
    if len(given) != 1:
        rule = "give exactly one of to (a list of numbers or a CSV file) and messages"
        raise SmsValidationError([Problem("to/messages", ", ".join(given) or "neither", rule)], "recipients")
    if messages not in (None, "", []):
        if parameters is not None:
            rule = "parameters fill ${key} in one text for many recipients; messages carry their own texts"
            raise SmsValidationError([Problem("parameters", "(given)", rule)], subject="recipients")
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            problem = Problem("messages", f"<{type(messages).__name__}>", "must be a list of messages")
            raise SmsValidationError([problem], subject="recipients")
        return MessagesSource(messages)
    values = ParameterValues.parse(parameters)
    if isinstance(to, str) and to.strip()[:1] in ("[", "("):
        rule = (
            "looks like a list rendered to text: pass the list itself (an XComArg) or set "
            "render_template_as_native_obj=True on the DAG"
        )
        raise SmsValidationError([Problem("to", "(a list as text)", rule)], subject="recipients")
    if looks_like_digits(to):  # a number, not a file name
        raise SmsValidationError([Problem("to", mask_msisdn(str(to).strip()), e164_rule(to))], "recipients")
    if isinstance(to, Path) or (isinstance(to, str) and not to.strip().startswith("+")):
        source = CsvSource(Path(str(to).strip()), values, encoding)
        source.columns()
        return source
    if isinstance(to, (str, int)) and not isinstance(to, bool):
        return ListSource([to], values)
    if isinstance(to, (bytes, Mapping)) or not isinstance(to, Sequence):
        problem = Problem("to", f"<{type(to).__name__}>", "must be a list of numbers or a CSV file path")
        raise SmsValidationError([problem], subject="recipients")
    return ListSource(to, values)


# -- the campaign -------------------------------------------------------------------------------------


class ListedRecipients(Sequence[ChunkRecipient]):
    """A chunk of a list's checked numbers (no ``${key}`` values), each recipient made only when read.

    :param numbers: The numbers, from position ``start`` on.
    :param start: The position of the first.
    """

    def __init__(self, numbers: list[str], start: int) -> None:
        self.numbers, self.start = numbers, start

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index: Any) -> Any:  # an int: a chunk's recipients are not sliced
        return ChunkRecipient(range(self.start, self.start + len(self.numbers))[index], self.numbers[index])


@dataclass(frozen=True)
class PlannedChunk:
    """A chunk of usable recipients, and the problems of the ones left out.

    :param chunk: The chunk (possibly without recipients).
    :param problems: One per unusable recipient left out.
    :param repeats: One per recipient left out because its number is listed earlier in the send.
    :param left_out: The positions of the recipients left out.
    """

    chunk: SendChunk
    problems: tuple[Problem, ...]
    repeats: tuple[Problem, ...] = ()
    left_out: tuple[int, ...] = ()


@dataclass(frozen=True)
class Campaign:
    """A checked send, ready to be validated, previewed or sent; build it with :meth:`build`.

    :param hook: The vendor hook.
    :param options: What every message shares.
    :param schedule: The schedule after ``past_schedule``.
    :param policy: The ``past_schedule`` policy.
    :param source: The recipients.
    :param chunk_size: Source positions per chunk.
    :param key: The campaign key every chunk key starts with.
    :param invalid_recipients: ``reject`` or ``skip``.
    :param sent_since: Nothing with the campaign's keys was sent before this time (bounds each look-up).
    """

    hook: SmsHook
    options: SendOptions
    schedule: Schedule
    policy: PastSchedule
    source: RecipientSource
    chunk_size: int
    key: str
    invalid_recipients: InvalidRecipients = "reject"
    sent_since: datetime | None = None
    checked: Checked = field(default_factory=Checked, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        hook: SmsHook,
        *,
        key: str,
        to: object = None,
        body: object = None,
        parameters: object = None,
        messages: object = None,
        from_: str | None = None,
        send_at: object = None,
        expire_at: object = None,
        past_schedule: str = PastSchedule.SEND_NOW.value,
        vendor_options: Mapping[str, Any] | None = None,
        chunk_size: object = DEFAULT_CHUNK_SIZE,
        invalid_recipients: str = "reject",
        encoding: object = None,
        now: datetime | None = None,
        sent_since: datetime | None = None,
    ) -> Campaign:
        """Check every argument and the vendor's features and apply ``past_schedule``; no request.

        :param hook: The vendor hook.
        :param key: The campaign key (the send operator's ``campaign_key``).
        :param to: A list of numbers, one number, or a CSV file path.
        :param body: The text, with ``${key}`` placeholders.
        :param parameters: ``{key: {number or "default": value}}``.
        :param messages: Instead of ``to`` and ``body``: ``[{"to": ..., "body": ...}]``.
        :param from_: Sender id.
        :param send_at: When to send (datetime or ISO-8601 string).
        :param expire_at: When to stop trying to deliver.
        :param past_schedule: ``send_now``, ``skip`` or ``fail``.
        :param vendor_options: Vendor-specific options by the vendor's field name.
        :param chunk_size: Source positions per vendor request.
        :param invalid_recipients: ``reject`` or ``skip``.
        :param encoding: The encoding of a CSV file ``to`` names (UTF-8 by default).
        :param now: The current time (defaults to now).
        :param sent_since: Nothing with the campaign's keys was sent before this time (``earliest_send``).
        :raises SmsValidationError: an argument breaks a rule.
        :raises SmsCapabilityError: the vendor cannot do what the arguments ask.
        """
        hook.require("send")
        now = now or datetime.now(timezone.utc)
        policy = past_schedule_policy(past_schedule)
        schedule = resolve_schedule(
            parse_when("send_at", send_at), parse_when("expire_at", expire_at), policy, now
        )
        source = recipient_source(to, messages, parameters, _encoding(encoding))
        individual = isinstance(source, MessagesSource)
        parameter_values = ParameterValues.parse(parameters)
        keys = set(parameter_values.by_key)
        if isinstance(source, CsvSource):
            keys.update(column for column in source.columns() if column and column != PHONE_COLUMN)
        if not isinstance(vendor_options, Mapping | None):
            shown = f"<{type(vendor_options).__name__}>"
            raise SmsValidationError([Problem("vendor_options", shown, "must be a mapping")], "send")
        if individual and body is not None:
            rule = "messages carry their own texts; leave body out"
            raise SmsValidationError([Problem("body", "(given)", rule)], "send")
        options = SendOptions(
            body=None if individual else _body_text(body),
            defaults=parameter_values.defaults(),
            parameter_keys=frozenset(keys),
            from_=from_ or None,
            send_at=schedule.send_at,
            expire_at=schedule.expire_at,
            vendor={k: v for k, v in (vendor_options or {}).items() if v is not None},
        )
        hook.check_send_options(options)
        size = _chunk_size(chunk_size, hook.max_chunk_size(individual=individual), invalid_recipients)
        mode: InvalidRecipients = "skip" if invalid_recipients == "skip" else "reject"
        campaign = cls(hook, options, schedule, policy, source, size, key, mode, sent_since)
        text = options.body or ""  # without placeholders every recipient gets it as it is: check it once
        if not PLACEHOLDER_PATTERN.search(text) and (too_long := campaign._too_many_parts(text)):
            raise SmsValidationError([Problem("body", f"<{len(text)} characters>", too_long)], "send")
        return campaign

    @cached_property
    def repeated(self) -> RepeatedNumbers:
        """The numbers the source lists more than once (found in one pass over it; a list's numbers only)."""
        if isinstance(self.source, ListSource):
            given = (n.strip() if type(n) is str else normalize_number(n) for n in self.source.numbers)
        else:
            given = (item.recipient.to for item in self.source if item.problem is None)
        return RepeatedNumbers.find(n for n in given if isinstance(n, str) and is_e164(n))

    def chunks(self) -> Iterator[PlannedChunk]:
        """Stream the chunks from the source (a fresh read each time), each recipient checked.

        A number listed again is left out of its chunk, which keeps its other positions: chunk ``n`` holds
        positions ``n * chunk_size`` onwards in every try, so its key always names the same recipients.
        A list checked whole (:attr:`listed_numbers`) is cut into chunks of its numbers: no recipient made.
        """
        if (texts := self.listed_numbers) is not None:
            for number, start in enumerate(range(0, len(texts), self.chunk_size)):
                numbers = texts[start : start + self.chunk_size]
                chunk = SendChunk(
                    number, chunk_key(self.key, number), ListedRecipients(numbers, start), numbers
                )
                yield PlannedChunk(chunk, ())
            return
        number, tracker, repeats_any = 0, self.repeated.tracker(), len(self.repeated) > 0
        items: list[ChunkRecipient] = []
        problems: list[Problem] = []
        repeats: list[Problem] = []
        left_out: list[int] = []

        def planned() -> PlannedChunk:
            chunk = SendChunk(number, chunk_key(self.key, number), tuple(items), [r.to for r in items])
            return PlannedChunk(chunk, tuple(problems), tuple(repeats), tuple(left_out))

        for item in self.source:
            while item.recipient.position // self.chunk_size > number:
                yield planned()
                number, items, problems, repeats, left_out = number + 1, [], [], [], []
            to, position = item.recipient.to, item.recipient.position
            listed_again = repeats_any and item.problem is None and is_e164(to)
            earlier = tracker.earlier(to, position) if listed_again else None
            if earlier is not None:
                listed = f"{item.where.partition('[')[0]}[{earlier}]"
                rule = f"repeats {listed}: each number gets one SMS per send, so this entry was left out"
                repeats.append(Problem(item.where, mask_msisdn(to), rule))
                left_out.append(position)
            elif (problem := self._recipient_problem(item)) is not None:
                problems.append(problem)
                left_out.append(position)
            else:
                items.append(item.recipient)
        if items or problems or repeats:
            yield planned()

    @cached_property
    def listed_numbers(self) -> list[str] | None:
        """A list's numbers, if each is E.164 text and none listed twice, for one usable text."""
        source, body = self.source, self.options.body or "${"
        if not isinstance(source, ListSource) or source.parameters.by_key or "${" in body:
            return None
        try:
            texts = list(map(str.strip, cast("Sequence[str]", source.numbers)))  # raises at a non-text
        except TypeError:
            return None
        blocks = ("\n".join(texts[i : i + self.chunk_size]) for i in range(0, len(texts), self.chunk_size))
        whole = texts and "\n" not in "".join(texts) and all(E164_LINES.fullmatch(b) for b in blocks)
        first_ok = whole and self._recipient_problem(SourceItem(ChunkRecipient(0, texts[0]), "to[0]")) is None
        return texts if first_ok and len(set(texts)) == len(texts) else None  # its text is every one's

    def validate(self) -> RejectedList:
        """Stream the source once: check each recipient and build each chunk's vendor request.

        :return: The recipients left out: numbers listed again, and unusable ones (``skip``).
        :raises SmsValidationError: a recipient is unusable (``reject``), a request breaks a vendor rule,
            or no recipient is left.
        """
        rejected, unusable, usable, now = RejectedList(), RejectedList(), 0, datetime.now(timezone.utc)
        checked = self.checked
        checked.done, checked.left_out, checked.chunks = False, {}, 0
        checked.stamp = self.source.stamp() if isinstance(self.source, CsvSource) else None
        for planned in self.chunks():
            checked.chunks = planned.chunk.number + 1
            if planned.left_out:
                checked.left_out[planned.chunk.number] = array("q", planned.left_out)
            for problem in planned.problems:
                rejected.add(problem)
                unusable.add(problem)
            for problem in planned.repeats:
                rejected.add(problem, repeat=True)
            chunk = planned.chunk
            if not chunk.recipients:
                continue
            usable += len(chunk.recipients)
            try:
                self.hook.validate_chunk(chunk, self.options, now)
            except SmsValidationError as exc:
                first, last = chunk.recipients[0].position, chunk.recipients[-1].position
                subject = f"{self.hook.vendor} request of chunk {chunk.number} (positions {first}-{last})"
                raise SmsValidationError(exc.problems, subject) from None
        if unusable.count and self.invalid_recipients != "skip":
            leave_out = "invalid_recipients='skip' leaves them out"
            raise SmsValidationError(
                unusable.listed, f"send: {unusable.count} unusable recipient(s); {leave_out}"
            )
        if not usable:
            raise SmsValidationError([Problem("to", "(none left)", "a send needs a usable number")], "send")
        checked.done = True
        return rejected

    def send(self, logger: Log = log) -> Iterator[ChunkSent]:
        """Send the chunks no earlier try sent (:meth:`find_sent`), yielding their outcomes in chunk order.

        Up to ``max_concurrent_requests`` (K) chunks are under way at once: chunk ``n`` starts after chunk
        ``n - K`` finished. After a failure nothing more starts; the requests under way finish first.

        :param logger: The task's logger.
        :raises SmsRefusedError: the vendor refused every message of a chunk.
        """
        found, (width, rate) = self.find_sent(), self.hook.send_limits
        pacer = RecipientPacer(rate) if rate else None
        window: deque[tuple[SendChunk, SentChunk | Future[SentChunk]]] = deque()
        with ThreadPoolExecutor(width, "sms-chunk") as pool:
            for chunk in self.checked_chunks():
                if (sent := found.pop(chunk.key, None)) is None and pacer is not None:
                    pacer.take(len(chunk.recipients))
                window.append((chunk, sent or pool.submit(self._send_chunk, chunk, logger)))
                while len(window) >= width:
                    yield self._finished(*window.popleft(), logger)
            while window:
                yield self._finished(*window.popleft(), logger)

    def checked_chunks(self) -> Iterator[SendChunk]:
        """Stream the chunks with recipients; after :meth:`validate`, checking no recipient again.

        :raises SmsValidationError: the CSV file changed since it was validated.
        """
        checked, size, items = self.checked, self.chunk_size, iter(self.source)
        if not checked.done or self.listed_numbers is not None:  # a list of checked numbers: cut again
            yield from (p.chunk for p in self.chunks() if p.chunk.recipients)
            return
        for number in count():
            recipients = list(map(itemgetter(0), islice(items, size)))  # chunk n: positions n*size onwards
            if isinstance(self.source, CsvSource) and self.source.stamp() != checked.stamp:
                rule = "changed after it was validated; nothing more is sent from it"
                raise SmsValidationError([Problem("to", repr(str(self.source.path)), rule)], "recipients")
            if not recipients:
                return
            if left_out := set(checked.left_out.get(number, ())):
                recipients = [r for r in recipients if r.position not in left_out]
            if recipients:
                numbers = [r.to for r in recipients]
                yield SendChunk(number, chunk_key(self.key, number), tuple(recipients), numbers)

    def find_sent(self) -> dict[str, SentChunk]:
        """Return what earlier tries sent, by chunk key (after :meth:`validate` the hook learns the keys)."""
        prefix, chunks = f"{self.key}-c", self.checked.chunks if self.checked.done else None
        what = f"what earlier tries sent (keys {prefix}<chunk>)"
        return self._look_up(lambda since: self.hook.find_chunks(prefix, since, chunks), what)

    def find(self, key: str) -> SentChunk | None:
        """Look a chunk's key up.

        :param key: The chunk's idempotency key.
        """
        return self._look_up(lambda since: self.hook.find_chunk(key, since), f"chunk key {key}")

    def _look_up(self, look_up: Callable[[datetime | None], _T], what: str) -> _T:
        """Call ``look_up(sent_since)`` up to :data:`LOOKUP_ATTEMPTS` times while it fails; log ``what``."""
        for attempt in range(1, LOOKUP_ATTEMPTS + 1):
            try:
                return look_up(self.sent_since)
            except SmsError as exc:
                if not exc.retryable or attempt == LOOKUP_ATTEMPTS:
                    raise
                log.warning("Looking up %s failed (%s), trying again", what, type(exc).__name__)
        raise AssertionError("unreachable")

    def _recipient_problem(self, item: SourceItem) -> Problem | None:
        """Return why a recipient cannot be sent to, or ``None``: its number, and its text filled in."""
        if item.problem is not None:
            return item.problem
        recipient = item.recipient
        if not is_e164(recipient.to):
            return Problem(item.where, mask_msisdn(recipient.to), e164_rule(recipient.to))
        text, options = recipient.body, self.options
        if text is None and "${" not in (options.body or ""):
            text = options.body or ""
        elif text is None:
            text, unmatched = render_placeholders(
                options.body or "", recipient.values, options.defaults, options.parameter_keys
            )
            if unmatched:
                keys = ", ".join("${" + key + "}" for key in sorted(set(unmatched)))
                rule = f"has no value for {keys} and there is no default"
                return Problem(item.where, mask_msisdn(recipient.to), rule)
        rules = self.checked.text_rules
        if text not in rules:
            if len(rules) >= TEXT_RULES_KEPT:
                rules.clear()
            try:
                check_message_text(text)
                rules[text] = self._too_many_parts(text)
            except ValueError as exc:
                rules[text] = f"its text {problem_of('', exc).rule}"
        broken = rules[text]
        return None if broken is None else Problem(item.where, mask_msisdn(recipient.to), broken)

    def _too_many_parts(self, text: str) -> str | None:
        """Say why ``text`` takes too many parts (``max_number_of_message_parts`` or the default), if so."""
        limit = self.options.vendor.get("max_number_of_message_parts")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            limit = MAX_MESSAGE_PARTS
        # A part holds at least 66 units, a character costs at most 2: a short text is not counted.
        if 2 * len(text) <= 66 * limit or (parts := self.hook.message_parts(text, self.options)) <= limit:
            return None
        return f"its text takes {parts} SMS parts; a message may take at most {limit}"

    def _send_chunk(self, chunk: SendChunk, logger: Log) -> SentChunk:
        """Send a chunk; after an ambiguous failure look its key up before sending it again."""
        for attempt in range(MAX_AMBIGUOUS_RESENDS + 1):
            schedule = self.schedule.due_by(datetime.now(timezone.utc))
            options = dataclasses.replace(
                self.options, send_at=schedule.send_at, expire_at=schedule.expire_at
            )
            try:
                return self.hook.send_chunk(chunk, options)
            except SmsAmbiguousResultError:
                logger.warning(
                    "Chunk %d (key %s): result unknown, looking the key up", chunk.number, chunk.key
                )
                found = self.find(chunk.key)
                if found is not None:
                    return found
                if attempt == MAX_AMBIGUOUS_RESENDS:
                    raise
                logger.warning("Chunk %d (key %s) was not created; sending it again", chunk.number, chunk.key)
        raise AssertionError("unreachable")

    def _finished(self, chunk: SendChunk, sent: SentChunk | Future[SentChunk], logger: Log) -> ChunkSent:
        return self.outcome(chunk, sent if isinstance(sent, SentChunk) else sent.result(), logger)

    def outcome(self, chunk: SendChunk, sent: SentChunk, logger: Log) -> ChunkSent:
        """Log and return what sending (or finding) a chunk came to (:meth:`SmsHook.chunk_sent`).

        :param chunk: The chunk.
        :param sent: What its key created.
        :param logger: The task's logger.
        :raises SmsRefusedError: the vendor refused every message of the chunk.
        """
        done = self.hook.chunk_sent(chunk, sent, self.options)
        how = "found already sent" if sent.found else "sent"
        line = f"Chunk {chunk.number} (key {chunk.key}): {how} as batch {sent.batch_id}"
        logger.info("%s, %d recipient(s) accepted, %d refused", line, sent.accepted, len(done.refused))
        return done


def _body_text(body: object) -> str:
    """Return the ``body`` of a one-text send as text, or refuse it naming the rule."""
    if body is None or (isinstance(body, str) and not body.strip()):
        rule = "must contain at least one non-space character (a body is required with to)"
        raise SmsValidationError([Problem("body", repr(body), rule)], "send")
    try:
        return check_message_text(body)
    except ValueError as exc:
        raise SmsValidationError([problem_of("body", exc)], "send") from None


def _encoding(value: object) -> str:
    """Return the codec to read a CSV file with: UTF-8 (a byte order mark skipped) unless named."""
    if value is None or value == "":
        return DEFAULT_ENCODING
    try:
        name = codecs.lookup(value).name if isinstance(value, str) else None
    except LookupError:
        name = None
    if name is None:
        shown = repr(value[:40]) if isinstance(value, str) else f"<{type(value).__name__}>"
        rule = "must name a text encoding Python knows, e.g. 'utf-8', 'latin-1' or 'cp1252'"
        raise SmsValidationError([Problem("encoding", shown, rule)], "recipients")
    return DEFAULT_ENCODING if name == "utf-8" else name


def _chunk_size(value: object, vendor_max: int, invalid_recipients: str) -> int:
    """Return the checked ``chunk_size``: 1 when the vendor takes one message per request."""
    size = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    problems: list[Problem] = []
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.append(Problem("chunk_size", repr(size), "must be a whole number of recipients, at least 1"))
    elif size > vendor_max > 1:
        rule = f"must be at most {vendor_max}, the most recipients of one request"
        problems.append(Problem("chunk_size", str(size), rule))
    if invalid_recipients not in ("reject", "skip"):
        problems.append(Problem("invalid_recipients", repr(invalid_recipients), "must be 'reject' or 'skip'"))
    if problems or not isinstance(size, int):
        raise SmsValidationError(problems, "send")
    return min(size, vendor_max)
