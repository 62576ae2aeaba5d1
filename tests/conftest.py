"""Test-session set-up shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# Must run before any test module imports Airflow (Airflow reads its configuration at import time).
from tests import airflow_env

pytest_plugins = ["airflow_provider_sms.sandbox.testing"]


@pytest.fixture(scope="session", autouse=True)
def _temporary_airflow_home() -> Iterator[None]:
    yield
    airflow_env.remove_airflow_home()
