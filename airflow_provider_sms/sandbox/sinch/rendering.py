"""What each recipient actually gets: the body after substitution and truncation, its encoding and parts."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from airflow_provider_sms.sandbox.segments import count_segments
from airflow_provider_sms.sandbox.sinch.content import MT_BINARY, BatchContent
from airflow_provider_sms.sandbox.sinch.parameters import substitute
from airflow_provider_sms.sandbox.sinch.state import NO_ORIGINATOR, TOO_MANY_PARTS, UNMATCHED_PARAMETER
from airflow_provider_sms.sandbox.sinch.truncation import truncate_to_one_part


@dataclass(frozen=True)
class RenderedMessage:
    """One recipient's message as it would go out, or why it cannot.

    :param recipient: The number.
    :param body: Text after substitution (and truncation), ``None`` when a parameter is unmatched.
    :param encoding: ``GSM`` or ``UNICODE``.
    :param parts: Number of SMS parts.
    :param aborted: ``(status, code)`` when the message is not sent, e.g. ``("Aborted", 405)``.
    """

    recipient: str
    body: str | None
    encoding: str
    parts: int
    aborted: tuple[str, int] | None = None


def render(content: BatchContent, recipient: str) -> RenderedMessage:
    """Work out one recipient's message, applying ``${key}`` parameters, truncation and the parts limit.

    A binary message is one part of 8-bit data; the sandbox reports it as ``UNICODE``, the other
    140-byte encoding.

    :param content: The batch content.
    :param recipient: The recipient number.
    """
    if content.type == MT_BINARY:
        data = base64.b64decode(content.body)
        aborted = NO_ORIGINATOR if content.sender is None else None
        return RenderedMessage(recipient, data.hex(), "UNICODE", 1, aborted)
    body = substitute(content.body, content.parameters, recipient)
    if body is None:
        return RenderedMessage(recipient, None, "GSM", 0, UNMATCHED_PARAMETER)
    if content.truncate_concat:
        body = truncate_to_one_part(body)
    counted = count_segments(body)
    aborted = None
    if content.sender is None:
        aborted = NO_ORIGINATOR
    elif (
        content.max_number_of_message_parts is not None
        and counted.parts > content.max_number_of_message_parts
    ):
        aborted = TOO_MANY_PARTS
    return RenderedMessage(recipient, body, counted.encoding, counted.parts, aborted)
