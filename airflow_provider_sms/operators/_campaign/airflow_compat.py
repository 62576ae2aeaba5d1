"""Airflow's task-ending exceptions, from where each supported Airflow version has them."""

from __future__ import annotations

try:
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
except ImportError:  # Airflow 3.1 has them only in airflow.exceptions
    from airflow.exceptions import AirflowFailException, AirflowSkipException  # type: ignore[no-redef]

__all__ = ["AirflowFailException", "AirflowSkipException"]
