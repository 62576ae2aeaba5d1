"""The demo's delivery summary: what the campaign published, checked against the sandbox's handsets."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from airflow_provider_sms.models.sms import mask_msisdn


def day_audience(audience_file: Path, day: str) -> list[str]:
    """Return the numbers of the audience that lapsed on ``day`` (``YYYY-MM-DD``).

    :param audience_file: The campaign's audience CSV.
    :param day: The day.
    """
    with audience_file.open(newline="", encoding="utf-8") as handle:
        return [row["phone"] for row in csv.DictReader(handle) if row["lapsed_on"] == day]


def counts_text(statuses: Mapping[str, int]) -> str:
    """Return ``delivered 13, failed 1`` for ``{"delivered": 13, "failed": 1}``, ``none`` when empty."""
    return ", ".join(f"{status} {count}" for status, count in sorted(statuses.items())) or "none"


def handset_lines(numbers: list[str], inbox_count: Callable[[str], int]) -> tuple[list[str], bool]:
    """Return lines about what each handset received, and whether nobody got a message twice.

    :param numbers: The day's audience.
    :param inbox_count: Messages received by a number.
    """
    received = {number: inbox_count(number) for number in numbers}
    per_count = Counter(received.values())
    twice = [mask_msisdn(n) for n, count in received.items() if count > 1]
    none = [mask_msisdn(n) for n, count in received.items() if count == 0]
    lines = [
        f"  received exactly one SMS: {per_count.get(1, 0)}",
        f"  received none:            {len(none)}" + (f" ({', '.join(none)})" if none else ""),
        f"  received more than one:   {len(twice)}" + (f" ({', '.join(twice)})" if twice else ""),
    ]
    return lines, not twice


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """Return the published summary as readable lines: per status, per segment, resends.

    :param summary: The campaign's ``summary.json``.
    """
    lines = [
        f"Campaign {summary['campaign']!r} through {summary['vendor']}, "
        f"interval {summary['interval'][0]} to {summary['interval'][1]}",
        f"  scheduled for {summary['send_at']} (sent at once when that time had passed)",
        f"  recipients: {summary['recipients']}",
        f"  by status:  {counts_text(summary['statuses'])}",
        "  by segment:",
    ]
    for name, segment in sorted(summary["segments"].items()):
        lines.append(
            f"    {name:<10} {segment['recipients']:>4} recipients, {segment['parts']:>4} parts: "
            f"{counts_text(segment['statuses'])}"
        )
    resends = summary["resends"]
    lines.append(f"  resent once: {resends['recipients']} recipient(s): {counts_text(resends['statuses'])}")
    return lines
