"""Split the audience file into the recipients of one data interval, one CSV file per segment.

The audience file has the columns ``phone``, ``name``, ``segment`` and ``lapsed_on`` (``YYYY-MM-DD``, the
day the customer's plan lapsed). The recipients of an interval are the rows that lapsed within it. Their
numbers go to files, not XCom: a task result carries only paths and counts. The numbers themselves are
checked by the send and dry-run operators, which reject a bad one before any request.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from airflow_provider_sms.models.sms import mask_msisdn
from sms_campaign_support.references import LABEL_PATTERN, LABEL_RULE

REQUIRED_COLUMNS = ("phone", "name", "segment", "lapsed_on")
#: Columns of the files written for the operators: ``${name}`` fills the message text.
OUTPUT_COLUMNS = ("phone", "name")
ALL_FILE = "audience.csv"


@dataclass(frozen=True)
class Segment:
    """One segment's recipients for the interval.

    :param segment: The segment's name.
    :param path: The CSV file with its recipients.
    :param recipients: How many there are.
    """

    segment: str
    path: str
    recipients: int


def split_audience(
    source: Path, start: date, end: date, out_dir: Path, opted_out: Collection[str] = ()
) -> dict[str, Any]:
    """Write the rows that lapsed in ``[start, end)`` to ``audience.csv`` and ``segment-<name>.csv`` files.

    :param source: The audience file.
    :param start: First day of the interval.
    :param end: First day after the interval.
    :param out_dir: Where to write (created if missing).
    :param opted_out: Numbers that answered STOP: their rows are left out.
    :return: ``{"audience": path of every recipient's file, "recipients": count,
        "segments": [Segment as dict, ...], "opted_out": rows left out}``, segments sorted by name.
    :raises ValueError: a column is missing, or a row has a bad ``segment`` or ``lapsed_on`` (naming the row).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    left_out = 0
    with ExitStack() as files, source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{source}: missing column(s) {', '.join(missing)}")
        everyone = _writer(files, out_dir / ALL_FILE)
        writers: dict[str, Any] = {}
        for line, row in enumerate(reader, start=2):
            if not start <= _lapsed_on(row, line) < end:
                continue
            if row["phone"].strip() in opted_out:
                left_out += 1
                continue
            segment = _segment(row, line)
            if segment not in writers:
                writers[segment] = _writer(files, out_dir / f"segment-{segment}.csv")
                counts[segment] = 0
            values = [row["phone"].strip(), row["name"].strip()]
            everyone.writerow(values)
            writers[segment].writerow(values)
            counts[segment] += 1
    segments = [Segment(name, str(out_dir / f"segment-{name}.csv"), counts[name]) for name in sorted(counts)]
    return {
        "audience": str(out_dir / ALL_FILE),
        "recipients": sum(counts.values()),
        "segments": [asdict(s) for s in segments],
        "opted_out": left_out,
    }


def _writer(files: ExitStack, path: Path) -> Any:
    writer = csv.writer(files.enter_context(path.open("w", newline="", encoding="utf-8")))
    writer.writerow(OUTPUT_COLUMNS)
    return writer


def _lapsed_on(row: dict[str, str], line: int) -> date:
    value = (row.get("lapsed_on") or "").strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        who = mask_msisdn(row.get("phone") or "")
        raise ValueError(f"line {line} ({who}): lapsed_on={value!r}: must be a date YYYY-MM-DD") from None


def _segment(row: dict[str, str], line: int) -> str:
    value = (row.get("segment") or "").strip()
    if not LABEL_PATTERN.match(value):
        who = mask_msisdn(row.get("phone") or "")
        raise ValueError(f"line {line} ({who}): segment={value!r}: {LABEL_RULE}")
    return value


def write_numbers(path: Path, numbers: Sequence[str]) -> None:
    """Write numbers as a recipients file (a ``phone`` column) for ``SmsSendOperator``.

    :param path: The file to write; its directory is created if missing.
    :param numbers: E.164 numbers.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone"])
        writer.writerows([number] for number in numbers)
