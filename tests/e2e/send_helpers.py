"""What the send e2e tests share: connections to the sandbox, recipient files, inbox and stats checks."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

DAGS = Path(__file__).parent / "dags"
CONN_ID = {"sinch": "sms_e2e_sinch", "fonedynamics": "sms_e2e_fone"}


def use_vendor(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, vendor: str, **extra: Any) -> str:
    """Point the vendor's e2e connection at the sandbox and return its id.

    :param monkeypatch: The test's monkeypatch.
    :param sandbox: The running sandbox.
    :param vendor: ``sinch`` or ``fonedynamics``.
    :param extra: Connection extras, e.g. ``default_from`` or ``max_retries``.
    """
    conn = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
    conn["extra"] = {**conn["extra"], **extra}
    monkeypatch.setenv(*connection_env(CONN_ID[vendor], conn))
    return CONN_ID[vendor]


def numbers(count: int, start: int = 0) -> list[str]:
    """Return ``count`` distinct numbers that the sandbox delivers (none ends in 13 or 99)."""
    found: list[str] = []
    n = start
    while len(found) < count:
        if n % 100 not in (13, 99):
            found.append(f"+614{n:08d}")
        n += 1
    return found


def write_csv(path: Path, recipients: list[str]) -> Path:
    """Write a recipients file with a ``phone`` and a ``name`` column."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "name"])
        writer.writerows([number, f"Person {i}"] for i, number in enumerate(recipients))
    return path


def inbox_counts(sandbox: SandboxServer, recipients: list[str]) -> Counter[int]:
    """Return how many recipients got how many SMS, e.g. ``{1: 2500}`` when each got exactly one."""
    with requests.Session() as session:
        counts = Counter(
            len(session.get(f"{sandbox.url}/_sandbox/inbox/{n.lstrip('+')}", timeout=10).json()["messages"])
            for n in recipients
        )
    return counts
