"""Every benchmark script of ``bench/`` still runs: ``bench/run.py --smoke`` runs each at tiny sizes, once.

``make bench`` itself is not part of the tests (several minutes); this keeps its scripts from rotting.
The official ``sinch`` SDK is not installed here, so its row reads n/a.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.airflow_env import AIRFLOW_HOME

ROOT = Path(__file__).resolve().parents[1]


def test_every_bench_script_runs_and_the_results_page_is_written(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(AIRFLOW_HOME)}
    subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--output", str(tmp_path)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
        capture_output=True,
    )

    page = (tmp_path / "RESULTS.md").read_text()
    for section in (
        "## Goals of issue 12 in this run",
        "## Send throughput",
        "## Peak memory of a CSV send",
        "## Parse time of the example DAGs",
        "`SmsBatchTrigger`s started at once",
        "## Fone Dynamics idempotency look-up against the history",
        "## Sandbox capacity",
    ):
        assert section in page
    assert "`SmsSendOperator.execute`, list of numbers" in page
    assert "| `example_sms_campaign` |" in page
    assert "campaign window, requests | 1 (1 to 1) requests" in page
