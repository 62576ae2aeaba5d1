"""Recipients streamed from where the task gets them: a list, a CSV file, or a list of ``messages``.

Every source can be read more than once (the send validates everything in a first pass and sends in a
second) and yields one recipient at a time: a CSV file is read row by row, so memory does not grow with
the campaign. A recipient whose entry is unusable is yielded with its problem, for the caller to reject
the send or leave the recipient out.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.hooks.sending import ChunkRecipient
from airflow_provider_sms.models.sinch import DEFAULT_KEY, check_parameters

#: The CSV column holding the recipient's number; every other column is a ``${column}`` value.
PHONE_COLUMN = "phone"
MESSAGE_KEYS = frozenset({"to", "body"})


@dataclass(frozen=True)
class SourceItem:
    """One recipient as the source gives it.

    :param recipient: The recipient (its number not checked yet).
    :param field: Where it sits, for errors, e.g. ``to[3]`` or ``messages[3]``.
    :param problem: Why the entry is unusable, if it is.
    """

    recipient: ChunkRecipient
    field: str
    problem: Problem | None = None


class RecipientSource(Protocol):
    """A re-readable stream of recipients."""

    def __iter__(self) -> Iterator[SourceItem]:
        """Yield the recipients in order, from position 0."""
        ...


@dataclass(frozen=True)
class ParameterValues:
    """The ``parameters`` argument: ``{key: {number or "default": value}}``, as Sinch takes it.

    :param by_key: The checked mapping.
    """

    by_key: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: object) -> ParameterValues:
        """Check the ``parameters`` argument with the Sinch rules (keys, numbers, values).

        :param value: The argument, ``None`` for none.
        :raises SmsValidationError: naming the broken rule, numbers masked.
        """
        if value is None:
            return cls()
        try:
            check_parameters(value)
        except ValueError as exc:
            shown, rule = getattr(exc, "value", "(hidden)"), getattr(exc, "rule", str(exc))
            raise SmsValidationError([Problem("parameters", shown, rule)], subject="parameters") from None
        assert isinstance(value, Mapping)
        return cls(value)

    def defaults(self) -> dict[str, str]:
        """Return the ``default`` value of each key that has one."""
        return {key: values[DEFAULT_KEY] for key, values in self.by_key.items() if DEFAULT_KEY in values}

    def values_for(self, number: str) -> dict[str, str]:
        """Return the recipient's own values (not the defaults).

        :param number: The recipient's number.
        """
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
        for position, number in enumerate(self.numbers):
            where = f"to[{position}]"
            if isinstance(number, int) and not isinstance(number, bool):
                # Native template rendering reads "+61400000101" as the int 61400000101.
                number = f"+{number}"
            if not isinstance(number, str):
                problem = Problem(where, f"<{type(number).__name__}>", "must be a phone number string")
                yield SourceItem(ChunkRecipient(position, ""), where, problem)
                continue
            number = number.strip()
            yield SourceItem(ChunkRecipient(position, number, self.parameters.values_for(number)), where)


@dataclass(frozen=True)
class CsvSource:
    """Recipients from a CSV file with a header: a ``phone`` column and optional ``${column}`` values.

    An empty cell is no value: the ``parameters`` default applies. A cell overrides ``parameters``.

    :param path: The file.
    :param parameters: Per-recipient values and defaults.
    """

    path: Path
    parameters: ParameterValues

    def columns(self) -> list[str]:
        """Return the header's columns after checking that the file can be read and has ``phone``.

        :raises SmsValidationError: naming the file and the rule.
        """
        with self._open() as reader_file:
            header = next(csv.reader(reader_file), None)
        columns = [h.strip() for h in header or []]
        if PHONE_COLUMN not in columns:
            raise SmsValidationError(
                [
                    Problem(
                        "to",
                        repr(str(self.path)),
                        f"a CSV file must have a header with a {PHONE_COLUMN!r} column",
                    )
                ],
                subject="recipients",
            )
        return columns

    def __iter__(self) -> Iterator[SourceItem]:
        with self._open() as handle:
            reader = csv.DictReader(handle)
            for position, row in enumerate(reader):
                where = f"to[{position}] (line {reader.line_num})"
                cells = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
                number = cells.pop(PHONE_COLUMN, "")
                values = {**self.parameters.values_for(number), **{k: v for k, v in cells.items() if k and v}}
                yield SourceItem(ChunkRecipient(position, number, values), where)

    def _open(self) -> TextIO:
        try:
            return self.path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise SmsValidationError(
                [Problem("to", repr(str(self.path)), f"must be a readable CSV file ({exc.strerror})")],
                subject="recipients",
            ) from None


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
            number, body = message.get("to"), message.get("body")
            problem: Problem | None = None
            if not isinstance(number, str):
                problem = Problem(
                    f"{where}.to", f"<{type(number).__name__}>", "must be a phone number string"
                )
            elif not isinstance(body, str) or not body.strip():
                shown = f"<{type(body).__name__}>" if not isinstance(body, str) else repr(body)
                problem = Problem(f"{where}.body", shown, "must be a text with a non-space character")
            recipient = ChunkRecipient(
                position,
                number.strip() if isinstance(number, str) else "",
                body=body if isinstance(body, str) else "",
            )
            yield SourceItem(recipient, f"{where}.to", problem)


def parameter_keys(source: RecipientSource, parameters: object) -> frozenset[str]:
    """Return every parameter key of a send: the ``parameters`` keys and the CSV value columns.

    :param source: The recipients.
    :param parameters: The ``parameters`` argument.
    """
    keys = set(ParameterValues.parse(parameters).by_key)
    if isinstance(source, CsvSource):
        keys.update(column for column in source.columns() if column and column != PHONE_COLUMN)
    return frozenset(keys)


def recipient_source(to: object, messages: object, parameters: object) -> RecipientSource:
    """Return the source the arguments describe: exactly one of ``to`` and ``messages``.

    ``to`` is a list of numbers, one number (a string starting with ``+``), or the path of a CSV file.

    :param to: The ``to`` argument.
    :param messages: The ``messages`` argument.
    :param parameters: The ``parameters`` argument.
    :raises SmsValidationError: naming the argument and the rule.
    """
    given = [name for name, value in (("to", to), ("messages", messages)) if value not in (None, "", [])]
    if len(given) != 1:
        shown = ", ".join(given) or "neither"
        rule = "give exactly one of to (a list of numbers or a CSV file) and messages"
        raise SmsValidationError([Problem("to/messages", shown, rule)], subject="recipients")
    if messages not in (None, "", []):
        if parameters is not None:
            rule = "parameters fill ${key} in one text for many recipients; messages carry their own texts"
            raise SmsValidationError([Problem("parameters", "(given)", rule)], subject="recipients")
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise SmsValidationError(
                [Problem("messages", f"<{type(messages).__name__}>", "must be a list of messages")],
                subject="recipients",
            )
        return MessagesSource(messages)
    values = ParameterValues.parse(parameters)
    if isinstance(to, str) and to.strip()[:1] in ("[", "("):
        rule = (
            "looks like a list rendered to text: pass the list itself (an XComArg) or set "
            "render_template_as_native_obj=True on the DAG"
        )
        raise SmsValidationError([Problem("to", "(a list as text)", rule)], subject="recipients")
    if isinstance(to, Path) or (isinstance(to, str) and not to.strip().startswith("+")):
        source = CsvSource(Path(str(to).strip()), values)
        source.columns()
        return source
    if isinstance(to, str):
        return ListSource([to], values)
    if isinstance(to, (bytes, Mapping)) or not isinstance(to, Sequence):
        raise SmsValidationError(
            [Problem("to", f"<{type(to).__name__}>", "must be a list of numbers or a CSV file path")],
            subject="recipients",
        )
    return ListSource(to, values)
