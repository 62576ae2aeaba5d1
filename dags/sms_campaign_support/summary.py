"""The campaign's published summary: counts per status, per segment and for the resends; no numbers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_sms.hooks.sms import SmsHook

SUMMARY_FILE = "summary.json"


def status_counts(hook: SmsHook, batch_ids: Iterable[str]) -> dict[str, int]:
    """Return the batches' messages per neutral status (``delivered``, ``failed``, ``pending`` ...).

    :param hook: The vendor hook.
    :param batch_ids: The batches.
    """
    total: Counter[str] = Counter()
    for batch_id in batch_ids:
        total.update(hook.batch_status(batch_id).by_status())
    return dict(sorted(total.items()))


def build_summary(
    hook: SmsHook,
    header: Mapping[str, Any],
    segments: Sequence[Mapping[str, Any]],
    sends: Sequence[Mapping[str, Any] | None],
    resends: Sequence[Mapping[str, Any] | None],
) -> dict[str, Any]:
    """Return the summary: ``header`` plus the statuses of every segment's send and of the resends.

    :param hook: The vendor hook.
    :param header: Campaign, interval, vendor, schedule ...
    :param segments: ``load_audience``'s segments, in the order they were sent.
    :param sends: ``SmsSendOperator`` results, one per segment (``None`` for a send that did not run).
    :param resends: Results of the resends (``None`` for one that did not run).
    """
    per_segment: dict[str, Any] = {}
    overall: Counter[str] = Counter()
    for segment, sent in zip(segments, sends, strict=True):
        statuses = status_counts(hook, sent["batch_ids"]) if sent else {}
        overall.update(statuses)
        per_segment[segment["segment"]] = {
            "recipients": segment["recipients"],
            "accepted": sent["recipients"] if sent else 0,
            "parts": sent["parts"] if sent else 0,
            "statuses": statuses,
        }
    resent = [r for r in resends if r]
    return {
        **header,
        "recipients": sum(s["recipients"] for s in segments),
        "statuses": dict(sorted(overall.items())),
        "segments": per_segment,
        "resends": {
            "recipients": sum(r["recipients"] for r in resent),
            "statuses": status_counts(hook, [b for r in resent for b in r["batch_ids"]]),
        },
    }


def write_summary(out_dir: Path, summary: Mapping[str, Any]) -> Path:
    """Write the summary as ``summary.json`` in ``out_dir`` and return its path.

    :param out_dir: The run's directory.
    :param summary: The summary.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SUMMARY_FILE
    path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
