"""The small JSON result of a send or dry run: ids and counts, a bounded list of rejected recipients."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_sms.exceptions import Problem

#: Most rejected recipients (or previewed messages) listed in a result; the counts cover all of them.
MAX_LISTED = 20


@dataclass
class RejectedList:
    """Problems of recipients left out: the first ``MAX_LISTED`` kept, all counted."""

    count: int = 0
    listed: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Count a problem and keep it if the list is not full.

        :param problem: The problem (numbers already masked).
        """
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)

    def as_json(self) -> list[dict[str, str]]:
        """Return the kept problems as JSON objects."""
        return [{"field": p.field, "value": p.value, "rule": p.rule} for p in self.listed]


@dataclass
class SendSummary:
    """What a send did so far; :meth:`as_json` is its XCom result.

    :param vendor: Vendor name.
    """

    vendor: str
    batch_ids: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    recipients: int = 0
    parts: int = 0
    skipped: int = 0
    reused_chunks: int = 0
    rejected: RejectedList = field(default_factory=RejectedList)

    def as_json(self) -> dict[str, Any]:
        """Return the result: ids and counts only, rejected recipients masked and bounded."""
        return {
            "vendor": self.vendor,
            "batch_ids": list(self.batch_ids),
            "recipients": self.recipients,
            "parts": self.parts,
            "skipped": self.skipped,
            "rejected": self.rejected.as_json(),
            "rejected_count": self.rejected.count,
            "chunks": len(self.batch_ids),
            "reused_chunks": self.reused_chunks,
        }


@dataclass
class PreviewSummary:
    """What a dry run found; :meth:`as_json` is its XCom result.

    :param vendor: Vendor name.
    """

    vendor: str
    recipients: int = 0
    parts: int = 0
    skipped: int = 0
    encodings: Counter[str] = field(default_factory=Counter)
    messages: list[dict[str, Any]] = field(default_factory=list)
    rejected: RejectedList = field(default_factory=RejectedList)

    def add_message(self, to: str, parts: int, encoding: str) -> None:
        """Count one message's encoding and list it if the list is not full.

        :param to: The recipient, already masked.
        :param parts: Its parts.
        :param encoding: ``GSM`` or ``UNICODE``.
        """
        self.encodings[encoding] += 1
        if len(self.messages) < MAX_LISTED:
            self.messages.append({"to": to, "parts": parts, "encoding": encoding})

    def as_json(self) -> dict[str, Any]:
        """Return the result: counts, encodings, the first messages (masked) and rejected recipients."""
        return {
            "vendor": self.vendor,
            "recipients": self.recipients,
            "parts": self.parts,
            "encodings": dict(self.encodings),
            "messages": list(self.messages),
            "skipped": self.skipped,
            "rejected": self.rejected.as_json(),
            "rejected_count": self.rejected.count,
        }
