"""``AirflowSkipException`` and ``AirflowFailException``: from the Task SDK (Airflow 3.2+) or core (3.1)."""

from __future__ import annotations

try:
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import (  # type: ignore[no-redef,unused-ignore]
        AirflowFailException,
        AirflowSkipException,
    )

__all__ = ["AirflowFailException", "AirflowSkipException"]
