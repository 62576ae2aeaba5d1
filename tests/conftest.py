"""Test-session set-up shared by every test package."""

from __future__ import annotations

pytest_plugins = ["airflow_provider_sms.sandbox.testing"]
