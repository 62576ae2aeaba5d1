"""Fixtures shared by the client tests: recorded sleeps and an HTTP mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock


@pytest.fixture
def sleeps() -> list[float]:
    """Delays a transport asked to sleep, recorded instead of waited."""
    return []


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Every HTTP request in the test goes to this mock; an unregistered URL fails the test."""
    with requests_mock.Mocker(case_sensitive=True) as mocker:
        yield mocker
