"""``AirflowSkipException`` from the Task SDK (Airflow 3.2+) or from Airflow core (3.1)."""

from __future__ import annotations

try:
    from airflow.sdk.exceptions import AirflowSkipException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowSkipException  # type: ignore[no-redef,unused-ignore]

__all__ = ["AirflowSkipException"]
