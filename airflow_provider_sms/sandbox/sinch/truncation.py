"""``truncate_concat``: cutting a text body down to what fits in a single SMS part."""

from __future__ import annotations

from airflow_provider_sms.sandbox.segments import GSM7_EXTENSION, GSM7_SINGLE, UCS2_SINGLE, is_gsm7


def _septets(char: str) -> int:
    return 2 if char in GSM7_EXTENSION else 1


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def truncate_to_one_part(text: str) -> str:
    """Shorten ``text`` to one part (160 GSM-7 septets or 70 UTF-16 units); a shorter text is unchanged.

    A two-unit character (GSM-7 extension, UTF-16 surrogate pair) that does not fit whole is dropped.

    :param text: The body after parameter substitution.
    """
    gsm = is_gsm7(text)
    limit = GSM7_SINGLE if gsm else UCS2_SINGLE
    cost = _septets if gsm else _utf16_units
    kept: list[str] = []
    used = 0
    for char in text:
        used += cost(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept)
