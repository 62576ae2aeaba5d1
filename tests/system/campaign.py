"""What the example campaign should have sent, and what the sandbox shows it did send, per recipient."""

from __future__ import annotations

import ast
import csv
import shlex
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.dags.helpers import documented_commands
from tests.system.deployment import DAGS_FOLDER
from tests.system.servers import SandboxProcess

CAMPAIGN = "example_sms_campaign"
RESEND = "example_sms_backfill_resend"
AUDIENCE = DAGS_FOLDER / "data" / "audience.csv"
#: Recipient numbers ending so fail after dispatch; ending in 99 they never get a final receipt.
FAILS, NO_RECEIPT = "13", "99"


def audience_by_day(path: Path = AUDIENCE) -> dict[str, list[str]]:
    """Return the audience file's numbers per day their plan lapsed (``YYYY-MM-DD``).

    :param path: The audience CSV.
    """
    days: dict[str, list[str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            days.setdefault(row["lapsed_on"], []).append(row["phone"])
    return days


def resent_numbers(numbers: Iterable[str], vendor: str) -> set[str]:
    """Return the numbers that get one resend: failed ones, and with Sinch the expired ones.

    Fone Dynamics has no expiry: a message without a receipt stays ``Submitted`` and is not resent.

    :param numbers: The day's audience.
    :param vendor: ``sinch`` or ``fonedynamics``.
    """
    return {n for n in numbers if n.endswith(FAILS) or (vendor == "sinch" and n.endswith(NO_RECEIPT))}


def deliverable(numbers: Iterable[str]) -> list[str]:
    """Return the numbers whose messages are delivered (so land in the handset's inbox).

    :param numbers: Recipient numbers.
    """
    return [n for n in numbers if not n.endswith((FAILS, NO_RECEIPT))]


@dataclass
class Tally:
    """Per recipient, what was expected against what the sandbox shows; ``duplicates`` and ``missing``.

    :param expected_inbox: SMS each handset should have received (deliverable numbers: 1).
    :param expected_accepted: Messages the vendor should have accepted per number (sends plus resends).
    :param inbox: SMS each handset received (sandbox inboxes).
    :param accepted: Messages the vendor accepted per number (vendor listing).
    """

    expected_inbox: dict[str, int]
    expected_accepted: dict[str, int]
    inbox: Mapping[str, int]
    accepted: Mapping[str, int] = field(default_factory=Counter)

    @property
    def duplicates(self) -> list[str]:
        """Numbers with more SMS received or accepted than expected (or any, when none was expected)."""
        over = {n for n, got in self.inbox.items() if got > self.expected_inbox.get(n, 0)}
        if self.accepted:
            over |= {n for n, got in self.accepted.items() if got > self.expected_accepted.get(n, 0)}
        return sorted(over)

    @property
    def missing(self) -> list[str]:
        """Numbers with fewer SMS received or accepted than expected."""
        under = {n for n, want in self.expected_inbox.items() if self.inbox.get(n, 0) < want}
        if self.accepted:
            under |= {n for n, want in self.expected_accepted.items() if self.accepted.get(n, 0) < want}
        return sorted(under)


def count_inboxes(sandbox: SandboxProcess, numbers: Iterable[str]) -> dict[str, int]:
    """Return the SMS each number's handset received, from the sandbox's inboxes.

    :param sandbox: The sandbox.
    :param numbers: The numbers.
    """
    return sandbox.inboxes(sorted(set(numbers))).received


def documented_resend_commands(start: str, end: str, conf: str) -> list[list[str]]:
    """Return the resend DAG docstring's ``airflow`` commands, as argument lists, for ``[start, end]``.

    The dates are replaced, and ``--dag-run-conf`` added to the backfill, so the commands run as the
    docstring shows them otherwise.

    :param start: ``--from-date``.
    :param end: ``--to-date``.
    :param conf: The runs' conf as JSON.
    """
    module = ast.parse((DAGS_FOLDER / f"{RESEND}.py").read_text(encoding="utf-8"))
    commands = []
    for command in documented_commands(ast.get_docstring(module) or ""):
        args = shlex.split(command)[1:]
        if args[:2] == ["backfill", "create"]:
            args[args.index("--from-date") + 1] = start
            args[args.index("--to-date") + 1] = end
            args += ["--dag-run-conf", conf]
        commands.append(args)
    return commands
