"""What identifies "a batch" for each vendor, and the forms a ``batch_id`` argument may take.

Sinch has batches: a batch id is Sinch's own id. Fone Dynamics has none: one request of a send creates
messages whose ``ExternalId`` is ``<key>.<position>``, and :class:`FoneBatchRef` names them as
``<key>@<unix seconds>`` — the idempotency key and when the first of them was created, which bounds the
date window that finds them again with ``list_messages``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from airflow_provider_sms.exceptions import Problem, SmsValidationError

#: Idempotency keys are short and URL/ExternalId-safe: letters, digits, ``-`` and ``_``.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")
_FONE_REF_PATTERN = re.compile(r"^(?P<key>[A-Za-z0-9_-]{1,100})@(?P<created>[0-9]{1,12})\Z")


@dataclass(frozen=True)
class FoneBatchRef:
    """The messages one Fone Dynamics request created.

    :param key: Idempotency key; each message's ``ExternalId`` is ``<key>.<position>``.
    :param created: Unix seconds (UTC) when the first message was created.
    """

    key: str
    created: int

    def __str__(self) -> str:
        return f"{self.key}@{self.created}"

    def external_id(self, position: int) -> str:
        """Return the ``ExternalId`` of the message at ``position`` (0-based) within the request."""
        return f"{self.key}.{position}"

    def owns(self, external_id: str | None) -> bool:
        """Return whether a message with this ``ExternalId`` belongs to the request."""
        return bool(external_id) and str(external_id).startswith(f"{self.key}.")

    @classmethod
    def parse(cls, value: str) -> FoneBatchRef:
        """Parse ``<key>@<unix seconds>``.

        :raises SmsValidationError: ``value`` is not in that form.
        """
        match = _FONE_REF_PATTERN.match(value)
        if match is None:
            raise SmsValidationError(
                [
                    Problem(
                        "batch_id", repr(value), "a Fone Dynamics batch id has the form <key>@<unix seconds>"
                    )
                ],
                subject="Fone Dynamics batch id",
            )
        return cls(match["key"], int(match["created"]))


def batch_id_list(value: object, field: str = "batch_id") -> list[str]:
    """Return the batch ids in ``value``: one id, a list of ids, or what ``SmsSendOperator`` returns.

    :param value: A string, a sequence of strings, or a mapping with a ``batch_ids`` list.
    :param field: Argument name used in the error.
    :raises SmsValidationError: ``value`` holds no id, or something that is not an id.
    """
    if isinstance(value, Mapping):
        value = value.get("batch_ids")
    ids: list[str]
    if isinstance(value, str):
        ids = [value]
    elif isinstance(value, Sequence):
        ids = list(value)
    else:
        raise SmsValidationError(
            [
                Problem(
                    field, f"<{type(value).__name__}>", "must be a batch id, a list of them, or a send result"
                )
            ],
            subject=field,
        )
    problems = [
        Problem(
            f"{field}[{i}]",
            repr(item) if isinstance(item, str) else f"<{type(item).__name__}>",
            "must be a non-empty string",
        )
        for i, item in enumerate(ids)
        if not isinstance(item, str) or not item.strip()
    ]
    if not ids:
        problems.append(Problem(field, "[]", "must name at least one batch"))
    if problems:
        raise SmsValidationError(problems, subject=field)
    return [i.strip() for i in ids]
