"""Who to resend to: recipients whose message failed or expired, each resent at most once per day.

Finding a day's batches again (the backfill-driven resend) goes by the keys of
:mod:`sms_campaign_support.references`, differently per vendor:

* Sinch: ``GET /batches`` filters ``client_reference`` by exact value only, and a key ends in a digest of
  the run that sent it. So the batches created since the day began (at most Sinch's 14-day list window)
  are listed and kept when their ``client_reference`` starts with the day's prefix. A backfill creates a
  day's batches later than that day, which is why the window starts at the day and not at its end.
* Fone Dynamics: the property's sent messages created in the same window are listed and kept when their
  ``ExternalId`` (``<key>.<position>``) starts with the day's prefix; the messages of one key form one
  batch, ``<key>@<first created>``.

The date in the prefix is what ties a batch to its logical date; the window only bounds the search.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.hooks.batch_ids import FoneBatchRef
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.models.sms import NeutralStatus
from airflow_provider_sms.triggers.checks import best_states
from sms_campaign_support.references import RESEND, SEND, kind_of

#: Final statuses worth one more try.
RESEND_STATUSES = frozenset({NeutralStatus.FAILED.value, NeutralStatus.EXPIRED.value})
#: How far back both vendors' listings reach.
LIST_WINDOW = timedelta(days=14)


@dataclass
class DayBatches:
    """What the campaign sent for one day.

    :param sent: Batch ids of the day's sends to its segments.
    :param resent_to: Numbers the day's resends already went to.
    """

    sent: list[str] = field(default_factory=list)
    resent_to: set[str] = field(default_factory=set)


def failed_numbers(hook: SmsHook[Any, Any], batch_ids: Iterable[str]) -> list[str]:
    """Return, sorted, the numbers whose message in the batches ended failed or expired.

    :param hook: The vendor hook.
    :param batch_ids: The batches (Sinch ids or Fone Dynamics ``<key>@<unix>`` ids).
    """
    states = best_states(state for batch_id in batch_ids for state in hook.recipient_states(batch_id))
    return sorted(
        number
        for number, item in states.items()
        if item.state.final and item.state.status.value in RESEND_STATUSES
    )


def find_day_batches(hook: SmsHook[Any, Any], prefix: str, since: datetime) -> DayBatches:
    """Find the batches whose keys start with a day's ``prefix``, created since ``since``.

    :param hook: The vendor hook.
    :param prefix: The day's key prefix (``references.day_prefix``).
    :param since: The start of the day: nothing of the day was created before it.
    """
    now = datetime.now(timezone.utc)
    start = max(since, now - LIST_WINDOW + timedelta(minutes=5))
    if isinstance(hook, SinchHook):
        return _sinch_day_batches(hook, prefix, start)
    if isinstance(hook, FoneDynamicsHook):
        return _fone_day_batches(hook, prefix, start, now + timedelta(days=1))
    raise TypeError(f"no batch lookup for {type(hook).__name__}")


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


def _sinch_day_batches(hook: SinchHook, prefix: str, start: datetime) -> DayBatches:
    found = DayBatches()
    for batch in hook.list_batches(start_date=start, page_size=100):
        kind = kind_of(batch.client_reference or "", prefix)
        if kind == SEND and batch.id:
            found.sent.append(str(batch.id))
        elif kind == RESEND:
            found.resent_to.update(batch.to)
    return found


def _fone_day_batches(hook: FoneDynamicsHook, prefix: str, start: datetime, end: datetime) -> DayBatches:
    found = DayBatches()
    first_created: dict[str, int] = {}
    for message in hook.list_messages(date_from=start, date_to=end, direction="Transmit"):
        key = str(message.external_id or "").rpartition(".")[0]
        kind = kind_of(key, prefix)
        if kind == SEND:
            created = message.created if message.created is not None else int(start.timestamp())
            first_created[key] = min(created, first_created.get(key, created))
        elif kind == RESEND and message.to:
            found.resent_to.add(str(message.to))
    found.sent = [str(FoneBatchRef(key, created)) for key, created in sorted(first_created.items())]
    return found
