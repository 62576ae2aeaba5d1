"""SMS part counting as Sinch does it: GSM-7 160/153 septets, otherwise UCS-2 70/67 UTF-16 units."""

from __future__ import annotations

import math
from dataclasses import dataclass

# 3GPP TS 23.038 default alphabet (the escape code 0x1B is not a character of its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs an escape plus the character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM = "GSM"
UNICODE = "UNICODE"

GSM_SINGLE = 160
GSM_CONCATENATED = 153
UCS2_SINGLE = 70
UCS2_CONCATENATED = 67


@dataclass(frozen=True)
class PartCount:
    """How a text body goes over the air.

    :param encoding: ``GSM`` or ``UNICODE`` (UCS-2), as Sinch names them.
    :param units: Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2.
    :param parts: Number of SMS parts the body is split into (at least one).
    """

    encoding: str
    units: int
    parts: int


def is_gsm7(text: str) -> bool:
    """Return whether every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _septets(char: str) -> int:
    return 2 if char in GSM7_EXTENSION else 1


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def count_parts(text: str) -> PartCount:
    """Count the encoding, units and parts of a text message body.

    :param text: The body after parameter substitution.
    """
    if is_gsm7(text):
        units = sum(_septets(char) for char in text)
        single, concatenated, encoding = GSM_SINGLE, GSM_CONCATENATED, GSM
    else:
        units = sum(_utf16_units(char) for char in text)
        single, concatenated, encoding = UCS2_SINGLE, UCS2_CONCATENATED, UNICODE
    parts = 1 if units <= single else math.ceil(units / concatenated)
    return PartCount(encoding=encoding, units=units, parts=parts)


def truncate_to_one_part(text: str) -> str:
    """Shorten ``text`` to what fits in one part (``truncate_concat``); a one-part text is unchanged.

    A two-unit character (GSM-7 extension, UTF-16 surrogate pair) that does not fit whole is dropped.

    :param text: The body after parameter substitution.
    """
    gsm = is_gsm7(text)
    limit = GSM_SINGLE if gsm else UCS2_SINGLE
    cost = _septets if gsm else _utf16_units
    kept: list[str] = []
    used = 0
    for char in text:
        used += cost(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept)
