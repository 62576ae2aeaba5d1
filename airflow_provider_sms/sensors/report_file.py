"""Write a per-recipient delivery report to a CSV file: for large campaigns and for resending failures."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from airflow_provider_sms.hooks.tracking import RecipientState

COLUMNS = ("batch_id", "recipient", "status", "final", "vendor_status", "vendor_code")


def write_report(path: str | os.PathLike[str], states: Iterable[RecipientState]) -> int:
    """Write one CSV row per recipient, replacing the file at once (never a half-written report).

    The numbers are written in full: the file is meant for resends. Keep it where only the DAG's owners
    can read it.

    :param path: Where to write; the directory must exist.
    :param states: The recipients' states.
    :return: How many rows were written.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    rows = 0
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(COLUMNS)
            for item in states:
                state = item.state
                code = "" if state.vendor_code is None else state.vendor_code
                writer.writerow(
                    (
                        item.batch_id,
                        item.recipient,
                        state.status.value,
                        state.final,
                        state.vendor_status,
                        code,
                    )
                )
                rows += 1
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return rows
