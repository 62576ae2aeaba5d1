"""A private Airflow for the test session: temporary ``AIRFLOW_HOME``, SQLite metadata DB, dags folder.

Imported by ``tests/conftest.py`` before anything imports Airflow, because Airflow reads its configuration
once, at import time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="sms-provider-airflow-home-"))
DAGS_FOLDER = AIRFLOW_HOME / "dags"
DAGS_FOLDER.mkdir()

os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}"
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
# Sensors in these tests choose deferrable or not explicitly; the default stays Airflow's own.
os.environ.pop("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", None)


def remove_airflow_home() -> None:
    """Delete the temporary ``AIRFLOW_HOME`` at the end of the session."""
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)
