"""One poll of batches against a :class:`WaitCondition`: the code both sensors and the trigger run.

A poll only reads (``batch_status`` / ``recipient_states`` of the hook) and returns a :class:`Verdict` whose
summary is plain JSON: counts and ids, never phone numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from airflow_provider_sms.hooks.tracking import NOT_YET_REPORTED, RecipientState, TrackingOperations
from airflow_provider_sms.models.sms import MessageState, NeutralStatus
from airflow_provider_sms.triggers.conditions import WaitCondition

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


def check_batches(hook: TrackingOperations, batch_ids: Sequence[str], condition: WaitCondition) -> Verdict:
    """Poll every batch once and judge the condition.

    The summary holds ``batch_ids``, ``total``, ``final``, ``completed`` (every message final), ``expired``
    (some message expired), ``statuses`` (per neutral status) and ``vendor_statuses``; for ``delivery``
    also ``succeeded``, ``failed`` (final without success), ``required``, ``success_statuses`` and
    ``min_success_ratio``.

    :param hook: An SMS hook.
    :param batch_ids: The batches, at least one.
    :param condition: What to wait for.
    """
    if condition.recipients is not None and condition.kind == "delivery":
        states = _states_of(hook, batch_ids, condition.recipients)
        counted = Counter(states)
    else:
        counted = Counter()
        for batch_id in batch_ids:
            status = hook.batch_status(batch_id)
            for item in status.counts:
                counted[item.state] += item.count
            unreported = status.total - sum(c.count for c in status.counts)
            if unreported > 0:
                counted[NOT_YET_REPORTED] += unreported
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


def best_states(states: Iterable[RecipientState]) -> dict[str, RecipientState]:
    """Return one state per recipient, a final one over one still open (a number may be in several batches).

    :param states: States from any number of batches.
    """
    best: dict[str, RecipientState] = {}
    for state in states:
        current = best.get(state.recipient)
        if current is None or (state.state.final and not current.state.final):
            best[state.recipient] = state
    return best


def _states_of(
    hook: TrackingOperations, batch_ids: Sequence[str], recipients: Sequence[str]
) -> list[MessageState]:
    reported = best_states(s for batch_id in batch_ids for s in hook.recipient_states(batch_id))
    return [reported[n].state if n in reported else NOT_YET_REPORTED for n in recipients]


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
