"""Per-recipient checks and chunking: the recipients of one vendor request, with their problems.

Chunk ``n`` holds the recipients at positions ``n * size`` to ``(n + 1) * size - 1`` of the source,
whatever is left out of it, so a chunk's key names the same recipients on every try. A recipient is
rejected (with its position, masked number and rule) when its number is not E.164, when it is listed
twice in its chunk (each copy would be charged), when a ``${key}`` in the text has neither a value for
it nor a default (Sinch would abort its message), or when its text needs more parts than
``max_number_of_message_parts`` allows without ``truncate_concat``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from airflow_provider_sms.exceptions import Problem
from airflow_provider_sms.hooks.sending import SendChunk, SendOptions, render_placeholders
from airflow_provider_sms.models.sms import E164_RULE, count_parts, is_e164, mask_msisdn
from airflow_provider_sms.operators._campaign.keys import chunk_key
from airflow_provider_sms.operators._campaign.sources import SourceItem


@dataclass(frozen=True)
class PlannedChunk:
    """A chunk of usable recipients, and the problems of the ones left out.

    :param chunk: The chunk (possibly without recipients).
    :param problems: One per recipient left out.
    """

    chunk: SendChunk
    problems: tuple[Problem, ...]


def recipient_problem(item: SourceItem, options: SendOptions, seen: set[str]) -> Problem | None:
    """Return why a recipient cannot be sent to, or ``None``.

    :param item: The recipient as the source gave it.
    :param options: The send's options.
    :param seen: Numbers already in the same chunk; the recipient's number is added.
    """
    if item.problem is not None:
        return item.problem
    recipient = item.recipient
    shown = mask_msisdn(recipient.to)
    if not is_e164(recipient.to):
        return Problem(item.field, shown, E164_RULE)
    if recipient.to in seen:
        return Problem(
            item.field, shown, "is listed twice in its chunk; a recipient listed twice is charged twice"
        )
    seen.add(recipient.to)
    text = recipient.body
    if text is None:
        text, unmatched = render_placeholders(
            options.body or "", recipient.values, options.defaults, options.parameter_keys
        )
        if unmatched:
            keys = ", ".join("${" + key + "}" for key in sorted(set(unmatched)))
            return Problem(item.field, shown, f"has no value for {keys} and there is no default")
    limit = options.max_number_of_message_parts
    if limit is not None and not options.truncate_concat:
        parts = count_parts(text).parts
        if parts > limit:
            return Problem(
                item.field, shown, f"its text takes {parts} parts, max_number_of_message_parts is {limit}"
            )
    return None


def plan_chunks(
    items: Iterable[SourceItem], size: int, campaign: str, options: SendOptions
) -> Iterator[PlannedChunk]:
    """Group the recipients into chunks of at most ``size`` source positions, checking each one.

    :param items: The source, in position order.
    :param size: Source positions per chunk.
    :param campaign: The campaign key the chunk keys derive from.
    :param options: The send's options.
    """
    number = 0
    recipients: list[SourceItem] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in items:
        item_chunk = item.recipient.position // size
        while item_chunk > number:
            yield _planned(number, campaign, recipients, problems)
            number, recipients, problems, seen = number + 1, [], [], set()
        problem = recipient_problem(item, options, seen)
        if problem is None:
            recipients.append(item)
        else:
            problems.append(problem)
    if recipients or problems:
        yield _planned(number, campaign, recipients, problems)


def _planned(number: int, campaign: str, items: list[SourceItem], problems: list[Problem]) -> PlannedChunk:
    chunk = SendChunk(number, chunk_key(campaign, number), tuple(i.recipient for i in items))
    return PlannedChunk(chunk, tuple(problems))
