"""What both vendors share: wire base, errors, numbers, senders, encoding, text rules, schedule, settings.

Responses keep unknown fields (forward compatibility); requests reject them. Pydantic's own error
text would echo raw input (phone numbers), so models hide input in errors and :meth:`RequestModel.build`
turns a pydantic error into :class:`~airflow_provider_sms.exceptions.SmsValidationError`, whose messages
come from our validators and carry masked values only. The status vocabulary is in ``models/status.py``
(its names are importable from here too). :class:`SettingsChecker` applies the rules both
vendors' client settings share (required values, URL path ids, URLs, timeouts, retries), collecting every
problem before one error.
"""

from __future__ import annotations

import enum
import functools
import heapq
import ipaddress
import logging
import math
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo
from typing_extensions import Self

from airflow_provider_sms.exceptions import (
    Problem,
    RuleError,
    SmsValidationError,
    rule_error,
    validation_error_from_pydantic,
)

# The status vocabulary lives in models/status.py; its names stay importable from here.
from airflow_provider_sms.models.status import MessageState as MessageState
from airflow_provider_sms.models.status import NeutralStatus as NeutralStatus
from airflow_provider_sms.models.status import from_fonedynamics as from_fonedynamics
from airflow_provider_sms.models.status import from_sinch as from_sinch

# -- wire base classes and errors ----------------------------------------------------------------


class WireModel(BaseModel):
    """A vendor response body: unknown fields are kept in ``model_extra``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, hide_input_in_errors=True)


class RequestModel(BaseModel):
    """A request body or query: unknown fields are an error, validation names field, value and rule."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, hide_input_in_errors=True, validate_default=True
    )

    @classmethod
    def build(cls, data: Mapping[str, Any] | None = None, /, *, context: Any = None, **fields: Any) -> Self:
        """Validate ``data`` (or keyword fields) and return the model, or raise ``SmsValidationError``.

        :param data: Field values by name or alias.
        :param context: Passed to pydantic validators (e.g. ``{"now": datetime}`` for schedule rules).
        :param fields: Field values by name, merged over ``data``.
        """
        payload = {**(data or {}), **fields}
        try:
            return cls.model_validate(payload, context=context)
        except ValidationError as exc:
            raise validation_error_from_pydantic(exc, cls.__name__) from None

    def to_wire(self) -> dict[str, Any]:
        """Return the JSON body the vendor expects: aliases, no unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- phone numbers: E.164 checks and masking for logs and error messages -------------------------

E164_PATTERN = re.compile(r"^\+[1-9][0-9]{6,14}\Z")
E164_RULE = "must be an E.164 number: '+', country code, 7 to 15 digits in all, no spaces"


def is_e164(value: str) -> bool:
    """Return whether ``value`` is a phone number in E.164 format (``+`` and 7-15 digits)."""
    return bool(E164_PATTERN.match(value))


def mask_msisdn(value: object) -> str:
    """Mask a phone number for logs and errors: ``+61488023555`` becomes ``+6148****555``.

    Anything that is not a string is shown by type only; short strings keep at most their last two
    characters, so the masking never reveals a whole number.
    """
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    if len(value) >= 9:
        return value[:5] + "*" * (len(value) - 8) + value[-3:]
    if len(value) <= 2:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def check_e164(value: str) -> str:
    """Validator: accept an E.164 number, else raise an error with the number masked."""
    if not is_e164(value):
        raise rule_error(mask_msisdn(value), e164_rule(value))
    return value


_DIGITS = re.compile(r"^[0-9]{7,15}\Z")
NO_PLUS_RULE = (
    "looks like a phone number without its '+'; "
    + E164_RULE
    + " (a template that renders a number must render the '+' as well)"
)


def e164_rule(value: object) -> str:
    """Return the rule a value that is not E.164 breaks, saying so when only the ``+`` is missing.

    :param value: The value.
    """
    return NO_PLUS_RULE if looks_like_digits(value) and not str(value).strip().startswith("0") else E164_RULE


def looks_like_digits(value: object) -> bool:
    """Return whether ``value`` is text of 7 to 15 digits: a phone number, though not in E.164 form.

    :param value: The value.
    """
    return isinstance(value, str) and bool(_DIGITS.match(value.strip()))


def normalize_number(value: object) -> object:
    """Return a recipient as the E.164 text it stands for where that is plain, else the value unchanged.

    Text loses surrounding whitespace; an int is a number whose ``+`` a native template render dropped
    (``61400200005`` becomes ``+61400200005``, as the docs promise). Anything else is returned as it is,
    for the caller to refuse with a named error. The result is a recipient only if :func:`is_e164` holds.

    :param value: A recipient as given.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return f"+{value}"
    return value.strip() if isinstance(value, str) else value


#: Numbers sorted in blocks of this size, then merged: the sort needs no list as long as the numbers.
_SORT_BLOCK = 1 << 14


class RepeatedNumbers:
    """The E.164 numbers a send lists more than once, found in about 8 bytes per number listed.

    :meth:`find` keeps each number as a 64-bit integer (its digits: exact, since E.164 numbers have at most
    15 digits) in a compact array, sorts it once in blocks and keeps only the numbers seen twice or more.
    Each pass over the send then asks :meth:`tracker` which listing of a repeated number comes first.

    :param keys: The repeated numbers' keys, sorted.
    """

    def __init__(self, keys: array[int]) -> None:
        self.keys = keys

    @classmethod
    def find(cls, numbers: Iterable[str]) -> RepeatedNumbers:
        """Return the numbers listed more than once.

        :param numbers: E.164 numbers, each one checked with :func:`is_e164`.
        """
        keys = array("Q", (int(number[1:]) for number in numbers))
        repeated = array("Q")
        previous = -1
        for key in _sorted_keys(keys):
            if key == previous and (not repeated or repeated[-1] != key):
                repeated.append(key)
            previous = key
        return cls(repeated)

    def __len__(self) -> int:
        return len(self.keys)

    def tracker(self) -> RepeatTracker:
        """Return a tracker for one pass over the send, in order."""
        return RepeatTracker(self.keys)


class RepeatTracker:
    """Remembers, during one pass in order, where each repeated number was first listed.

    :param keys: The repeated numbers' keys, sorted.
    """

    def __init__(self, keys: array[int]) -> None:
        self._keys = keys
        self._first = array("q", [-1]) * len(keys)

    def earlier(self, number: str, position: int) -> int | None:
        """Return the position where ``number`` was first listed in this pass, ``None`` if here.

        :param number: An E.164 number.
        :param position: Where it is listed now.
        """
        if not self._keys:
            return None
        key = int(number[1:])
        index = bisect_left(self._keys, key)
        if index == len(self._keys) or self._keys[index] != key:
            return None
        first = self._first[index]
        if first < 0:
            self._first[index] = position
            return None
        return first


def _sorted_keys(keys: array[int]) -> Iterator[int]:
    """Yield ``keys`` in order: blocks sorted in place, then merged."""
    if len(keys) <= _SORT_BLOCK:
        return iter(sorted(keys))
    starts = range(0, len(keys), _SORT_BLOCK)
    for start in starts:
        keys[start : start + _SORT_BLOCK] = array("Q", sorted(keys[start : start + _SORT_BLOCK]))
    view = memoryview(keys)
    return heapq.merge(*(iter(view[start : start + _SORT_BLOCK]) for start in starts))


#: A recipient phone number in E.164 format; errors name its list position and mask it.
E164Number = Annotated[str, AfterValidator(check_e164)]

#: A run of 7 to 15 digits (single spaces allowed between them), ``+`` optional, not part of a longer word.
_NUMBER_IN_TEXT = re.compile(r"(?<![\w+])\+?[0-9](?: ?[0-9]){6,14}(?![\w])")


def mask_numbers_in_text(text: str) -> str:
    """Return free text (a vendor's error message) with everything that may be a phone number masked.

    ``Invalid recipient +61400200005`` becomes ``Invalid recipient +6140****005``. Any run of 7 to 15
    digits counts, so a long numeric id in the text is masked too: an error message loses a little detail
    rather than leak a number.

    :param text: The text.
    """
    return _NUMBER_IN_TEXT.sub(lambda match: mask_msisdn(match.group(0)), text)


# -- sender ids: E.164 numbers, numeric short codes, or alphanumeric names -----------------------

ALPHANUMERIC_PATTERN = re.compile(r"^[A-Za-z0-9 ]{1,11}\Z")
SHORT_CODE_PATTERN = re.compile(r"^[0-9]{3,15}\Z")
ALPHANUMERIC_RULE = (
    "an alphanumeric sender id must be 1-11 characters of A-Z, a-z, 0-9 and space, with at least one letter"
)


class SenderKind(str, enum.Enum):
    """What kind of sender id a value is."""

    E164 = "e164"
    SHORT_CODE = "short_code"
    ALPHANUMERIC = "alphanumeric"


def classify_sender(value: str, *, allow_short_code: bool) -> SenderKind:
    """Return the kind of sender ``value`` is, or raise a rule error naming the broken rule.

    :param value: The sender id.
    :param allow_short_code: Whether a plain digit string (short code or number without ``+``) is
        accepted; Sinch accepts short codes, Fone Dynamics does not.
    """
    if value.startswith("+"):
        if is_e164(value):
            return SenderKind.E164
        raise rule_error(mask_msisdn(value), "a numeric sender id must be an E.164 number")
    if value.isdigit():
        if allow_short_code and SHORT_CODE_PATTERN.match(value):
            return SenderKind.SHORT_CODE
        rule = (
            "a numeric sender id must be a short code of 3-15 digits or an E.164 number"
            if allow_short_code
            else "a numeric sender id must be an E.164 number with '+'; " + ALPHANUMERIC_RULE
        )
        raise rule_error(mask_msisdn(value), rule)
    if ALPHANUMERIC_PATTERN.match(value) and any(c.isalpha() for c in value):
        return SenderKind.ALPHANUMERIC
    # Alphanumeric sender ids are public brand names, not personal data: show them as they are.
    raise rule_error(repr(value), ALPHANUMERIC_RULE)


def check_sinch_sender(value: str) -> str:
    """Validator for a Sinch ``from``: E.164, short code or alphanumeric."""
    classify_sender(value, allow_short_code=True)
    return value


def check_fonedynamics_sender(value: str) -> str:
    """Validator for a Fone Dynamics ``From``: blank (leased number), E.164 or alphanumeric."""
    if value == "":
        return value
    classify_sender(value, allow_short_code=False)
    return value


SinchSender = Annotated[str, AfterValidator(check_sinch_sender)]
FoneDynamicsSender = Annotated[str, AfterValidator(check_fonedynamics_sender)]


# -- SMS encoding and part counting: GSM-7 (3GPP TS 23.038) or UCS-2 -----------------------------
#
# A text whose every character is in the GSM-7 basic or extension table is sent as GSM-7: one septet
# per basic character, two (escape + character) per extension character, 160 septets in a single
# message or 153 per part of a concatenated one. Any other character switches the whole text to UCS-2:
# one UTF-16 code unit per character (two for a character outside the Basic Multilingual Plane, such as
# most emoji), 70 units in a single message or 67 per part.
#
# Parts are counted by packing the text the way a handset reassembles it: an extension character and a
# surrogate pair are never split across two parts, so a part may end one unit early and the count can
# exceed ``ceil(units / 153)`` (or ``/ 67``).

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


# -- message text: what every text body must be, for both vendors ------------------------------

#: Most SMS parts one message may take, as Sinch's ``max_number_of_message_parts`` would set it (on Sinch
#: that option sets another limit). 14 parts hold the longest GSM-7 text Sinch accepts (2,000 characters),
#: up to 2,142 GSM-7 or 938 UCS-2 characters.
MAX_MESSAGE_PARTS = 14
BLANK_RULE = "must contain at least one non-space character"
CONTROL_RULE = (
    "must not contain control characters or unpaired surrogates (only \\n, \\r and \\t are allowed); "
    "bytes go in a binary message (Sinch type 'mt_binary')"
)
BYTES_RULE = (
    "is bytes, not text: give the text as a str; to send bytes use a binary message "
    "(Sinch type 'mt_binary' with a Base64 body)"
)
TEXT_TYPE_RULE = "must be text (a str; an int or a float is taken as its digits)"
#: C0 controls but tab, line feed and carriage return; DEL and C1 controls; UTF-16 surrogates.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_char(text: str) -> str | None:
    """Return ``<U+XXXX at character n>`` for the first character a text may not hold, else ``None``.

    :param text: The text.
    """
    found = _FORBIDDEN_CHARS.search(text)
    return None if found is None else f"<U+{ord(found.group()):04X} at character {found.start()}>"


def check_message_text(value: object) -> str:
    """Validator: return a message text as ``str``, or raise a rule error naming the broken rule.

    Refused: bytes (with a pointer to binary messages), anything but text and numbers, blank text, and
    control characters other than ``\\n``, ``\\r`` and ``\\t``. An int or float (what a native template
    render makes of a number) is taken as its digits. The text itself is never shown: it may be personal.

    :param value: The body as given.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise rule_error(f"<{len(value)} bytes>", BYTES_RULE)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise rule_error(f"<{type(value).__name__}>", TEXT_TYPE_RULE)
    if not value.strip():
        raise rule_error(repr(value[:20]), BLANK_RULE)
    bad = forbidden_char(value)
    if bad is not None:
        raise rule_error(bad, CONTROL_RULE)
    return value


def check_parts(text: str, limit: int = MAX_MESSAGE_PARTS) -> str:
    """Raise a rule error when ``text`` takes more than ``limit`` SMS parts; return it otherwise.

    :param text: The message's text.
    :param limit: The most parts allowed.
    """
    # A part holds at least 66 units and a character costs at most 2: short texts need no count.
    if 2 * len(text) <= 66 * limit:
        return text
    parts = count_parts(text).parts
    if parts > limit:
        rule = f"takes {parts} SMS parts; a message may take at most {limit}"
        raise rule_error(f"<{len(text)} characters>", rule)
    return text


def check_default_parts(text: str) -> str:
    """Validator: accept a text of at most :data:`MAX_MESSAGE_PARTS` parts."""
    return check_parts(text)


#: A message text of at most :data:`MAX_MESSAGE_PARTS` parts (see :func:`check_message_text`).
MessageText = Annotated[str, BeforeValidator(check_message_text), AfterValidator(check_default_parts)]


# -- connection settings: the defaults, limits and choices the settings, hooks and forms share ---------------
# (here, below clients/, so that the connection forms can be read without loading the clients)
DEFAULT_TIMEOUT_S = 30.0
#: The longest read timeout a connection may set: a longer one would only hide a hung vendor.
TIMEOUT_LIMIT_S = 300.0
DEFAULT_MAX_RETRIES = 3
MAX_RETRIES_LIMIT = 10
#: The most seconds one request waits between its attempts, in total, unless the connection says otherwise.
DEFAULT_MAX_RETRY_WAIT_S = 120.0
MAX_RETRY_WAIT_LIMIT_S = 3600.0
#: Chunk requests of one send under way at once (``max_concurrent_requests``); 1 sends them one by one.
DEFAULT_MAX_CONCURRENT_REQUESTS = 4
MAX_CONCURRENT_REQUESTS_LIMIT = 32
#: The highest ``max_recipients_per_second`` (no limit when not set).
MAX_RECIPIENTS_PER_SECOND_LIMIT = 1_000_000
#: Regions of the Sinch SMS API: the one table that settings, hooks and connection forms use.
SINCH_REGIONS = ("us", "eu", "au", "br", "ca")
#: Regions where Sinch offers OAuth2 (project access keys) for SMS.
SINCH_OAUTH2_REGIONS = ("us", "eu")
SINCH_AUTH_TYPES = ("api_token", "oauth2")

# -- settings checks: the rules both vendors' settings share, every problem collected before one error ------
#: Shown instead of a required setting that is missing or blank.
EMPTY = "(empty)"
#: Shown instead of a secret, or of a URL that carries a user name or password.
HIDDEN = "(hidden)"
PATH_SEGMENT_RULE = "must not contain '/', '?', '#', '%' or whitespace"
DOT_SEGMENT_RULE = "must be a non-empty id (not blank, '.' or '..')"
URL_RULE = "must be an absolute http:// or https:// URL"
URL_CREDENTIALS_RULE = "must not contain a user name or password"
#: The connection setting that lets a URL use plain ``http://`` to a host other than this machine.
ALLOW_INSECURE_HTTP = "allow_insecure_http"
PLAIN_HTTP_RULE = (
    "plain http:// is accepted only for this machine (localhost, 127.0.0.1, ::1): use https://, "
    f"or set {ALLOW_INSECURE_HTTP} to true to send over plain http anyway"
)
FLAG_RULE = "must be true or false"
_PATH_SEGMENT_FORBIDDEN = frozenset("/?#% \t\r\n")
_log = logging.getLogger(__name__)


def is_loopback_host(host: str | None) -> bool:
    """Return whether ``host`` names this machine: ``localhost`` or a loopback address (127.0.0.0/8, ::1).

    A name that merely starts with ``127.`` or ``localhost.`` (``127.0.0.1.example.com``) is not one.

    :param host: A URL's host name, without brackets or port.
    """
    if not host:
        return False
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def plain_http_refused(url: str, *, allowed: bool, field: str) -> bool:
    """Return whether ``url`` must be refused for sending credentials or numbers over plain ``http://``.

    Plain http to another machine is refused unless ``allowed``; then it is accepted with a warning, logged
    once per field and URL (a send builds one request model per message).

    :param url: An absolute http(s) URL, already checked for form.
    :param allowed: Whether the connection sets :data:`ALLOW_INSECURE_HTTP`.
    :param field: The field or setting that holds the URL, for the warning.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or is_loopback_host(parts.hostname):
        return False
    if allowed:
        _warn_plain_http(field, f"http://{parts.hostname}")
    return not allowed


def context_allows_plain_http(context: object) -> bool:
    """Return whether a model's validation context allows plain ``http://`` callback URLs to other machines.

    Hooks pass ``{"allow_insecure_http": <the connection's setting>}``; without it, such URLs are refused.

    :param context: The ``context`` of pydantic's ``ValidationInfo``.
    """
    return isinstance(context, Mapping) and context.get(ALLOW_INSECURE_HTTP) is True


def check_plain_http(url: str, info: ValidationInfo, shown: str) -> None:
    """Validator step for a callback URL a vendor calls with phone numbers: :func:`plain_http_refused`.

    :param url: The URL, already checked for form.
    :param info: The validator's info; its ``context`` may allow plain http (see
        :func:`context_allows_plain_http`).
    :param shown: The URL as the error may show it (credentials and query hidden).
    :raises ValueError: the rule error, naming :data:`PLAIN_HTTP_RULE`.
    """
    field = str(info.field_name or "url")
    if plain_http_refused(url, allowed=context_allows_plain_http(info.context), field=field):
        raise rule_error(shown, PLAIN_HTTP_RULE)


@functools.lru_cache(maxsize=64)
def _warn_plain_http(field: str, shown: str) -> None:
    """Log the plain-http warning; the cache makes it once per field and host."""
    _log.warning(
        "%s=%s uses plain http to another machine because %s is set: credentials, message bodies and "
        "phone numbers cross the network unencrypted",
        field,
        shown,
        ALLOW_INSECURE_HTTP,
    )


class SettingsChecker:
    """Check the values of one settings object, collecting every broken rule before failing once.

    Each method returns the value to keep (text stripped, blank as ``None``, choices lower-case, numbers
    converted) or a fallback, and records a :class:`~airflow_provider_sms.exceptions.Problem` naming the
    field when the value breaks a rule; secrets are never shown. :meth:`raise_problems` then raises.

    :param subject: What is checked, for the error message, e.g. ``Sinch settings``.
    """

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.problems: list[Problem] = []

    def add(self, field: str, value: str, rule: str) -> None:
        """Record a broken rule.

        :param field: The setting's name.
        :param value: The offending value, already masked or hidden if it is sensitive.
        :param rule: The rule, in words.
        """
        self.problems.append(Problem(field, value, rule))

    def raise_problems(self) -> None:
        """Raise one ``SmsValidationError`` naming every problem found, if any."""
        if self.problems:
            raise SmsValidationError(self.problems, self.subject)

    def text(
        self, field: str, value: object, *, secret: bool = False, path_segment: bool = False
    ) -> str | None:
        """Return optional text stripped, or ``None`` when missing or blank.

        :param field: The setting's name.
        :param value: The value given.
        :param secret: Whether the value must never be shown.
        :param path_segment: Whether the value goes into a URL path as one segment.
        """
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(field, HIDDEN if secret else f"<{type(value).__name__}>", "must be text")
            return None
        text = value.strip() or None
        if text is not None and path_segment:
            if any(char in _PATH_SEGMENT_FORBIDDEN for char in text):
                self.add(field, repr(text), PATH_SEGMENT_RULE)
            elif text.strip(".") == "":
                self.add(field, repr(text[:40]), DOT_SEGMENT_RULE)
        return text

    def required(
        self, field: str, value: object, meaning: str, *, secret: bool = False, path_segment: bool = False
    ) -> str | None:
        """Return required text stripped; a missing or blank value is a problem (shown as ``(empty)``).

        :param field: The setting's name.
        :param value: The value given.
        :param meaning: What the value holds, for the error message, e.g. ``service plan ID``.
        :param secret: Whether the value must never be shown.
        :param path_segment: Whether the value goes into a URL path as one segment.
        """
        text = self.text(field, value, secret=secret, path_segment=path_segment)
        if text is None and (value is None or isinstance(value, str)):
            self.add(field, EMPTY, f"the {meaning} is required")
        return text

    def url(self, field: str, value: object, *, allow_plain_http: bool = False) -> str | None:
        """Return an optional absolute http(s) URL without a trailing ``/``, or ``None`` when missing.

        Plain ``http://`` to another machine than this one is a problem unless ``allow_plain_http``
        (see :func:`plain_http_refused`).

        :param field: The setting's name.
        :param value: The value given.
        :param allow_plain_http: Whether the settings allow plain http to another machine.
        """
        text = self.text(field, value)
        if text is None:
            return None
        try:
            parts = urlsplit(text)
            has_credentials = "@" in parts.netloc
            # Reading .port raises ValueError for a port outside 0..65535.
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
        except (
            ValueError
        ):  # a malformed IPv6 host or a bad port: the URL cannot be read, so hide it if it may
            has_credentials, valid = "@" in text, False
        if has_credentials:
            self.add(field, HIDDEN, URL_CREDENTIALS_RULE)
            return None
        if not valid:
            self.add(field, repr(text), URL_RULE)
            return None
        if plain_http_refused(text, allowed=allow_plain_http, field=field):
            self.add(field, repr(text), PLAIN_HTTP_RULE)
            return None
        return text.rstrip("/")

    def choice(self, field: str, value: object, choices: Sequence[str], default: str) -> str:
        """Return one of ``choices`` (matched in any case), ``default`` when missing or after a problem.

        :param field: The setting's name.
        :param value: The value given.
        :param choices: The accepted values, lower-case.
        :param default: The value when none is given.
        """
        given = (value.strip() or None) if isinstance(value, str) else value
        if given is None:
            return default
        if isinstance(given, str) and given.lower() in choices:
            return given.lower()
        self.add(field, repr(given), f"must be one of {', '.join(choices)}")
        return default

    def sender(self, field: str, value: object, check_sender: Callable[[str], str]) -> str | None:
        """Return an optional sender id that passes the vendor's sender rules.

        :param field: The setting's name.
        :param value: The value given.
        :param check_sender: The vendor's sender check, :func:`check_sinch_sender` or
            :func:`check_fonedynamics_sender`.
        """
        text = self.text(field, value)
        if text is None:
            return None
        try:
            return check_sender(text)
        except RuleError as exc:
            self.add(field, exc.value, exc.rule)
            return None

    def seconds(
        self, field: str, value: object, default: float, *, maximum: float, allow_zero: bool = False
    ) -> float:
        """Return a finite number of seconds up to ``maximum`` (a number or numeric text), or ``default``.

        :param field: The setting's name.
        :param value: The value given; missing or blank means ``default``.
        :param default: The value when none is given.
        :param maximum: The largest accepted value.
        :param allow_zero: Whether ``0`` is accepted (else the value must be greater than 0).
        """
        number = _number(value, default)
        too_small = number is not None and (number < 0 or (number == 0 and not allow_zero))
        if number is None or not math.isfinite(number) or too_small or number > maximum:
            lowest = "0 or more" if allow_zero else "greater than 0"
            self.add(field, repr(value), f"must be a number of seconds {lowest} and at most {maximum:g}")
            return default
        return number

    def count(self, field: str, value: object, default: int, *, maximum: int, minimum: int = 0) -> int:
        """Return a whole number from ``minimum`` to ``maximum`` (a number or numeric text), or ``default``.

        :param field: The setting's name.
        :param value: The value given; missing or blank means ``default``.
        :param default: The value when none is given.
        :param maximum: The largest accepted value.
        :param minimum: The smallest accepted value.
        """
        number = _number(value, default)
        if number is None or not number.is_integer() or not minimum <= number <= maximum:
            self.add(field, repr(value), f"must be a whole number from {minimum} to {maximum}")
            return default
        return int(number)

    def flag(self, field: str, value: object, default: bool = False) -> bool:
        """Return a yes-or-no setting: a bool, or the text ``true``/``false`` in any case; else ``default``.

        :param field: The setting's name.
        :param value: The value given; missing or blank means ``default``.
        :param default: The value when none is given.
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        shown = repr(value) if isinstance(value, (str, int, float)) else f"<{type(value).__name__}>"
        self.add(field, shown, FLAG_RULE)
        return default


def _number(value: object, default: float) -> float | None:
    """Return ``value`` as a float, ``default`` when missing or blank, ``None`` when not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return float(default)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None
