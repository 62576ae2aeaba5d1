"""Airflow names whose import path differs between Airflow 3.1 and 3.2+ (Task SDK first, core second)."""

from __future__ import annotations

try:
    from airflow.sdk import conf
except ImportError:  # Airflow 3.1
    from airflow.configuration import conf  # type: ignore[assignment]

try:
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSensorTimeout
except ImportError:  # Airflow 3.1
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
    )

__all__ = ["AirflowException", "AirflowFailException", "AirflowSensorTimeout", "conf"]
