"""SMS part counting: GSM-7 (160 / 153 septets per part) or UCS-2 (70 / 67 UTF-16 units per part)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    """How a text travels as SMS.

    :param encoding: ``GSM`` when every character is in the GSM-7 tables, else ``UNICODE`` (UCS-2).
    :param units: Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2).
    :param parts: Number of SMS parts the text needs (at least 1).
    """

    encoding: Literal["GSM", "UNICODE"]
    units: int
    parts: int


def is_gsm7(text: str) -> bool:
    """Return whether every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """Count the SMS parts of ``text``; an empty text still takes one part.

    :param text: The message body.
    """
    encoding: Literal["GSM", "UNICODE"]
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, per_part, encoding = GSM7_SINGLE, GSM7_PART, "GSM"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, per_part, encoding = UCS2_SINGLE, UCS2_PART, "UNICODE"
    parts = 1 if units <= single else math.ceil(units / per_part)
    return SegmentCount(encoding=encoding, units=units, parts=parts)
