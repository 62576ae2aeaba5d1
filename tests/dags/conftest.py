"""Run the example DAGs of ``dags/`` as Airflow would: from a dags folder holding them with their helpers.

The e2e harness loads a DAG file from the session's dags folder; the examples import
``sms_campaign_support`` and read ``data/``, so the whole ``dags/`` tree is copied there once, and the
folder is put on ``sys.path`` as Airflow's DAG processor and task runner do for a DAG bundle.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.airflow_env import DAGS_FOLDER

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "dags"
# The helpers' unit tests import them from the repository, as Airflow would from its dags folder.
if str(EXAMPLE_DAGS) not in sys.path:
    sys.path.append(str(EXAMPLE_DAGS))


@pytest.fixture(scope="session")
def example_dags() -> Path:
    """The session's dags folder, holding a copy of ``dags/`` (DAG files, helpers, data)."""
    shutil.copytree(
        EXAMPLE_DAGS, DAGS_FOLDER, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    if str(DAGS_FOLDER) not in sys.path:
        sys.path.append(str(DAGS_FOLDER))
    return DAGS_FOLDER
