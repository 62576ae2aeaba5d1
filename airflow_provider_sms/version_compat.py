"""Airflow names whose import path differs between the supported Airflow versions (Task SDK first).

Only the Airflow surface (operators, sensors, triggers, notifications) imports this module. Each import
is type-checked against both Airflow 3.1 and 3.3; an ignore is needed on one version only, hence
``unused-ignore`` in each.
"""

from __future__ import annotations

try:
    from airflow.sdk import conf  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # Airflow 3.1
    from airflow.configuration import conf  # type: ignore[assignment,unused-ignore]

try:
    from airflow.sdk.exceptions import (  # type: ignore[attr-defined,unused-ignore]
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )
except ImportError:  # Airflow 3.1 has them only in airflow.exceptions
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined,assignment,unused-ignore]
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )

__all__ = ["AirflowException", "AirflowFailException", "AirflowSensorTimeout", "AirflowSkipException", "conf"]
