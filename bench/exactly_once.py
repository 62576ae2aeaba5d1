"""Measure exactly-once sending under injected faults, in real Airflow against the sandbox.

For each vendor and each fault setting, runs the e2e tests' one-task DAG (``SmsSendOperator``, 3 task
retries) with ``dag.test()`` against a fresh sandbox, sending ``--recipients`` numbers in chunks of
``--chunk-size``, and reports how many requests the sandbox broke, how many tries the task took, how
many recipients received none, one or more than one SMS, and how long the run took (after one unmeasured
warm-up run).
The figures are quoted in docs/reliability.md and docs/performance.md.

Run from the repository root after ``make venv``:
``.venv/bin/python bench/exactly_once.py --recipients 200 --chunk-size 10``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# A temporary AIRFLOW_HOME and SQLite database, set before anything imports Airflow.
from tests import airflow_env  # noqa: E402

FAULTS: dict[str, dict[str, Any]] = {
    "none": {},
    "20% dropped after commit": {"drop_after_commit_rate": 0.2},
    "40% dropped after commit": {"drop_after_commit_rate": 0.4},
    "20% HTTP 503": {"error_rate": 0.2, "error_status": 503},
    "5 requests/s, then 429": {"rate_limit_per_s": 5},
}


def measure(
    vendor: str, faults: dict[str, Any], recipients: int, chunk_size: int, seed: int
) -> dict[str, Any]:
    """Send once with ``faults`` active and return what happened."""
    import pendulum

    from airflow_provider_sms.sandbox.config import SandboxConfig
    from airflow_provider_sms.sandbox.testing import (
        SandboxServer,
        connection_env,
        fonedynamics_connection,
        sinch_connection,
    )
    from tests.e2e.harness import run_dag, task_states, tries
    from tests.e2e.send_helpers import DAGS, inbox_counts, numbers

    with SandboxServer(SandboxConfig(port=0, delivery_delay=0.5, seed=seed)) as sandbox:
        conn = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
        conn["extra"] = {**conn["extra"], "default_from": "SmsBench", "max_retries": 8}
        name, value = connection_env("sms_bench", conn)
        os.environ[name] = value
        numbers_sent = numbers(recipients, start=20_000)
        sandbox.set_faults(**faults)
        started = time.monotonic()
        run = run_dag(
            DAGS / "e2e_send_campaign.py",
            "e2e_send_campaign",
            run_after=pendulum.now("UTC"),
            conf={"conn_id": "sms_bench", "to": numbers_sent, "chunk_size": chunk_size},
        )
        seconds = time.monotonic() - started
        counters = sandbox.stats()["counters"]
        sandbox.clear_faults()
        sandbox.advance(5)
        received: Counter[int] = inbox_counts(sandbox, numbers_sent)
        return {
            "state": task_states(run)["send"],
            "tries": tries(run, "send"),
            "seconds": seconds,
            "dropped": counters.get("faults.dropped", 0),
            "errors": counters.get("faults.errors", 0),
            "rate_limited": counters.get("faults.rate_limited", 0),
            "none": received.get(0, 0),
            "one": received.get(1, 0),
            "more": sum(count for sms, count in received.items() if sms > 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--chunk-size", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{args.recipients} recipients in chunks of {args.chunk_size}, sandbox seed {args.seed}")
    print(
        "| vendor | faults | task | tries | dropped | 5xx | 429 | got none | got one | got more | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        measure("sinch", {}, 10, args.chunk_size, args.seed)  # unmeasured warm-up: DAG parsing, database
        for vendor in ("sinch", "fonedynamics"):
            for label, faults in FAULTS.items():
                r = measure(vendor, faults, args.recipients, args.chunk_size, args.seed)
                print(
                    f"| {vendor} | {label} | {r['state']} | {r['tries']} | {r['dropped']} | {r['errors']} | "
                    f"{r['rate_limited']} | {r['none']} | {r['one']} | {r['more']} | {r['seconds']:.1f} |",
                    flush=True,
                )
    finally:
        airflow_env.remove_airflow_home()


if __name__ == "__main__":
    main()
