"""SMS encoding and part counting: GSM-7 (3GPP TS 23.038) or UCS-2.

A text whose every character is in the GSM-7 basic or extension table is sent as GSM-7: one septet
per basic character, two (escape + character) per extension character, 160 septets in a single
message or 153 per part of a concatenated one. Any other character switches the whole text to UCS-2:
one UTF-16 code unit per character (two for a character outside the Basic Multilingual Plane, such as
most emoji), 70 units in a single message or 67 per part.

Parts are counted by packing the text the way a handset reassembles it: an extension character and a
surrogate pair are never split across two parts, so a part may end one unit early and the count can
exceed ``ceil(units / 153)`` (or ``/ 67``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The GSM-7 default alphabet, in code order (0x1B, the escape to the extension table, left out).
GSM7_BASIC_CHARS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The GSM-7 extension table: each character costs two septets (escape + character).
GSM7_EXTENSION_CHARS = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE_PART_SEPTETS = 160
GSM7_MULTI_PART_SEPTETS = 153
UCS2_SINGLE_PART_UNITS = 70
UCS2_MULTI_PART_UNITS = 67

Encoding = Literal["GSM", "UNICODE"]


@dataclass(frozen=True)
class SegmentInfo:
    """How a text is encoded and how many SMS parts it takes.

    :param encoding: ``GSM`` (GSM-7) or ``UNICODE`` (UCS-2), spelled as Sinch's dry run spells them.
    :param units: Septets for GSM-7, UTF-16 code units for UCS-2 (an emoji counts 2).
    :param parts: Number of SMS parts the text is sent as (at least 1, also for an empty text).
    """

    encoding: Encoding
    units: int
    parts: int


def is_gsm7(text: str) -> bool:
    """Return whether every character of ``text`` is in the GSM-7 basic or extension table.

    :param text: The message body.
    """
    return all(char in GSM7_BASIC_CHARS or char in GSM7_EXTENSION_CHARS for char in text)


def count_parts(text: str) -> SegmentInfo:
    """Return the encoding, size in units and number of parts of ``text``.

    :param text: The message body.
    """
    encoding = _encoding_of(text)
    costs = _char_costs(text, encoding)
    return SegmentInfo(encoding=encoding, units=sum(costs), parts=len(_pack(text, costs, encoding)))


def split_parts(text: str) -> list[str]:
    """Split ``text`` into the parts it is sent as; an empty text is one empty part.

    :param text: The message body.
    """
    encoding = _encoding_of(text)
    return _pack(text, _char_costs(text, encoding), encoding)


def _encoding_of(text: str) -> Encoding:
    return "GSM" if is_gsm7(text) else "UNICODE"


def _char_costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM":
        return [2 if char in GSM7_EXTENSION_CHARS else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(text: str, costs: list[int], encoding: Encoding) -> list[str]:
    """Fill parts greedily; a character that does not fit whole starts the next part."""
    single, per_part = (
        (GSM7_SINGLE_PART_SEPTETS, GSM7_MULTI_PART_SEPTETS)
        if encoding == "GSM"
        else (UCS2_SINGLE_PART_UNITS, UCS2_MULTI_PART_UNITS)
    )
    if sum(costs) <= single:
        return [text]
    parts: list[str] = []
    start, filled = 0, 0
    for index, cost in enumerate(costs):
        if filled + cost > per_part:
            parts.append(text[start:index])
            start, filled = index, 0
        filled += cost
    parts.append(text[start:])
    return parts
