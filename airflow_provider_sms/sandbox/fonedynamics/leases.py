"""Leased sender numbers: unique per recipient, valid 30 days, at most 5 at a time to one recipient."""

from __future__ import annotations

from typing import TypedDict

LEASE_DAYS = 30
MAX_LEASES_PER_RECIPIENT = 5
POOL = tuple(f"+614800000{n:02d}" for n in range(1, 21))


class Lease(TypedDict):
    """One leased number pointed at one recipient until ``expires`` (Unix seconds)."""

    number: str
    expires: float


class LeaseBook:
    """Which pool numbers are leased to which recipient.

    :param leases: Saved leases by recipient, as produced by :attr:`leases`.
    """

    def __init__(self, leases: dict[str, list[Lease]] | None = None) -> None:
        self.leases: dict[str, list[Lease]] = leases if leases is not None else {}

    def active(self, recipient: str, now: float) -> list[Lease]:
        """Return the leases to ``recipient`` that have not expired, dropping the expired ones.

        :param recipient: E.164 number.
        :param now: Sandbox time in Unix seconds.
        """
        current = [lease for lease in self.leases.get(recipient, []) if lease["expires"] > now]
        if current:
            self.leases[recipient] = current
        else:
            self.leases.pop(recipient, None)
        return current

    def acquire(self, recipient: str, now: float) -> str | None:
        """Lease a number to ``recipient`` and return it, or ``None`` when it already has 5 leases.

        :param recipient: E.164 number.
        :param now: Sandbox time in Unix seconds.
        """
        current = self.active(recipient, now)
        if len(current) >= MAX_LEASES_PER_RECIPIENT:
            return None
        taken = {lease["number"] for lease in current}
        number = next(n for n in POOL if n not in taken)
        self.leases.setdefault(recipient, []).append({"number": number, "expires": now + LEASE_DAYS * 86400})
        return number
