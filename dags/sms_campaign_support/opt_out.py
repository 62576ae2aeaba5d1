"""The opt-out file: numbers that answered STOP, which the campaigns never send to again.

One E.164 number a line; blank lines and ``#`` comments are ignored. ``example_sms_inbound_stop`` appends
to it; ``example_sms_campaign`` and ``example_sms_approval`` read it. Its path comes from the Airflow
Variable ``sms_opt_out_file``, else the environment variable ``SMS_OPT_OUT_FILE``, else
``data/opt_out.txt`` next to the DAGs. With several workers it must be on shared storage, like the
campaign's ``work_dir``.

The Variable is optional. Airflow 3.1's Task SDK (1.1) logs ``[error] Variable not found`` when it is
absent, even though a default is given (apache/airflow#52771; a debug line from Airflow 3.2): the line is
harmless, and setting the Variable silences it. It is still read from the metadata database there, so a
Variable set in the UI is never ignored.
"""

from __future__ import annotations

import csv
import fcntl
import os
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

#: The Airflow Variable, then the environment variable, naming the opt-out file.
OPT_OUT_VARIABLE = "sms_opt_out_file"
OPT_OUT_ENV = "SMS_OPT_OUT_FILE"
DEFAULT_OPT_OUT_FILE = Path(__file__).resolve().parent.parent / "data" / "opt_out.txt"
#: The keyword that opts a number out, in any case and with any surrounding blanks.
STOP_KEYWORD = "STOP"


def opt_out_path() -> Path:
    """Return the opt-out file's path (see the module documentation); call it in a task, not at parse time."""
    configured = _opt_out_variable() or os.environ.get(OPT_OUT_ENV)
    return Path(configured) if configured else DEFAULT_OPT_OUT_FILE


def _opt_out_variable() -> str | None:
    from airflow.sdk import Variable

    value: Any = Variable.get(OPT_OUT_VARIABLE, default=None)
    return str(value) if value else None


def is_stop(body: object) -> bool:
    """Return whether a message's text is the STOP keyword (trimmed, any case).

    :param body: The text.
    """
    return isinstance(body, str) and body.strip().upper() == STOP_KEYWORD


def read_opt_outs(path: Path) -> set[str]:
    """Return the numbers in the opt-out file; none when it does not exist yet.

    :param path: The opt-out file.
    """
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def add_opt_outs(path: Path, numbers: Iterable[str]) -> list[str]:
    """Append the numbers the file does not hold yet, each once, under a lock; return those appended.

    :param path: The opt-out file; it and its directory are created if missing.
    :param numbers: E.164 numbers.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # another run appending at once must not add a number twice
        handle.seek(0)
        present = {line.strip() for line in handle.read().splitlines()}
        added = [number for number in dict.fromkeys(n.strip() for n in numbers) if number not in present]
        handle.seek(0, os.SEEK_END)
        handle.writelines(f"{number}\n" for number in added)
    return added


def without_opt_outs(source: Path, target: Path, opted_out: Collection[str]) -> dict[str, int]:
    """Copy a recipients CSV file (a ``phone`` column, any others) but for the rows of opted-out numbers.

    :param source: The recipients file.
    :param target: Where to write the rest (its directory is created if missing).
    :param opted_out: Numbers that answered STOP (:func:`read_opt_outs`).
    :return: ``{"recipients": distinct numbers written, "opted_out": rows left out}``.
    :raises ValueError: the file has no ``phone`` column.
    """
    kept: set[str] = set()
    left_out = 0
    with source.open(newline="", encoding="utf-8") as src:
        reader = csv.DictReader(src)
        columns = list(reader.fieldnames or ())
        if "phone" not in columns:
            raise ValueError(f"{source}: missing column phone")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            for row in reader:
                number = (row.get("phone") or "").strip()
                if number in opted_out:
                    left_out += 1
                    continue
                writer.writerow(row)
                kept.add(number)
    return {"recipients": len(kept - {""}), "opted_out": left_out}
