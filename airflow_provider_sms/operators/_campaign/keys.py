"""Deterministic idempotency keys: the same task instance always derives the same key for a chunk.

A key reads ``<prefix>-<task slug>-<digest>-c<chunk>``:

* ``prefix`` is the user's ``client_reference`` (or Fone Dynamics ``external_id``), else ``sms``;
* ``task slug`` is the task id cut to 24 characters of ``A-Z a-z 0-9 _ -``, for people reading the key;
* ``digest`` is the first 16 hex digits of SHA-256 over dag id, task id, run id and map index, which
  identify the task instance; the try number is left out, so retries and clears find their own chunks;
* ``chunk`` is the 0-based chunk number.

It is Sinch's ``client_reference`` as it is, and Fone Dynamics' ``ExternalId`` with ``.<position>`` added.
"""

from __future__ import annotations

import hashlib
import re

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.hooks.batch_ids import KEY_PATTERN

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}\Z")
PREFIX_RULE = "must be 1-40 characters of A-Z, a-z, 0-9, '_' and '-' (it prefixes the idempotency key)"
DEFAULT_PREFIX = "sms"
SLUG_MAX_CHARS = 24
DIGEST_HEX_CHARS = 16
#: Chunk numbers fit in 7 digits, so a key and its Fone ``.<position>`` stay within 100 characters.
MAX_CHUNKS = 10_000_000
_NOT_KEY_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def check_prefix(field: str, value: str | None) -> list[Problem]:
    """Return the problem with a user's key prefix, if any.

    :param field: The argument's name.
    :param value: The prefix, or ``None``.
    """
    if value is None or PREFIX_PATTERN.match(value):
        return []
    return [Problem(field, repr(value[:60]), PREFIX_RULE)]


def campaign_key(dag_id: str, task_id: str, run_id: str, map_index: int, prefix: str | None = None) -> str:
    """Return the key every chunk key of a task instance starts with.

    :param dag_id: The DAG id.
    :param task_id: The task id.
    :param run_id: The DAG run id.
    :param map_index: The map index (``-1`` when the task is not mapped).
    :param prefix: The user's prefix, already checked with :func:`check_prefix`.
    """
    identity = "\x1f".join((dag_id, task_id, run_id, str(map_index)))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:DIGEST_HEX_CHARS]
    slug = _NOT_KEY_CHARS.sub("-", task_id).strip("-")[:SLUG_MAX_CHARS].strip("-") or "task"
    return f"{prefix or DEFAULT_PREFIX}-{slug}-{digest}"


def chunk_key(campaign: str, number: int) -> str:
    """Return the key of chunk ``number``.

    :param campaign: The key from :func:`campaign_key`.
    :param number: The 0-based chunk number.
    :raises SmsValidationError: the send has more chunks than keys can number.
    """
    if not 0 <= number < MAX_CHUNKS:
        raise SmsValidationError(
            [Problem("chunk", str(number), f"a send has at most {MAX_CHUNKS} chunks")], subject="send"
        )
    key = f"{campaign}-c{number}"
    assert KEY_PATTERN.match(key), key
    return key
