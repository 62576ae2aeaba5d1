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


#: Why a ``batch_id`` string that starts like a list or a dict is refused.
_RENDERED_TEXT_RULE = (
    "looks like a list or send result rendered to text: pass the XComArg itself "
    "(e.g. batch_id=send.output) or set render_template_as_native_obj=True on the DAG"
)


def batch_id_list(value: object, field: str = "batch_id") -> list[str]:
    """Return the batch ids in ``value``, each once, in order.

    ``value`` is one id, a list of ids, what ``SmsSendOperator`` returns (a mapping with ``batch_ids``), or
    a list of those (what a mapped send task returns). A Jinja template such as
    ``{{ ti.xcom_pull('send') }}`` renders a list to its text form unless the DAG sets
    ``render_template_as_native_obj=True``; that text is no batch id and is refused with a hint.

    :param value: The ``batch_id`` argument.
    :param field: Argument name used in the error.
    :raises SmsValidationError: ``value`` holds no id, or something that is not an id.
    """
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        raise SmsValidationError([Problem(field, repr(value[:40]), _RENDERED_TEXT_RULE)], subject=field)
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and any(isinstance(v, Mapping) for v in value)
    ):
        ids = [
            batch_id
            for position, item in enumerate(value)
            for batch_id in batch_id_list(item, f"{field}[{position}]")
        ]
        return list(dict.fromkeys(ids))
    if isinstance(value, Mapping):
        value = value.get("batch_ids")
    items: list[object]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Sequence):
        items = list(value)
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
        for i, item in enumerate(items)
        if not isinstance(item, str) or not item.strip()
    ]
    if not items:
        problems.append(Problem(field, "[]", "must name at least one batch"))
    if problems:
        raise SmsValidationError(problems, subject=field)
    return list(dict.fromkeys(str(i).strip() for i in items))
