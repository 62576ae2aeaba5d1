"""``make demo``: run the example campaign DAG against the local sandbox and print what was delivered.

Starts ``airflow-sms-sandbox`` on a free port, makes a temporary ``AIRFLOW_HOME`` with SQLite, sets the
connection through ``AIRFLOW_CONN_DEMO_SMS``, runs ``airflow dags test example_sms_campaign <date>`` and
prints the delivery summary the DAG published, checked against the sandbox's handset inboxes. The sandbox
is stopped and the temporary home removed however the run ends. Exits non-zero if a task failed, the
summary is missing, or a handset received a message twice.

    python demo/run_demo.py [--vendor sinch|fonedynamics] [--date 2026-01-06] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from demo_airflow import DemoAirflow
from demo_report import day_audience, handset_lines, summary_lines
from demo_sandbox import SandboxProcess

from airflow_provider_sms.sandbox.testing import fonedynamics_connection, sinch_connection

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
DAG_ID = "example_sms_campaign"
CONN_ID = "demo_sms"
#: The demo shortens the waits of a real campaign: a Sinch message expires 5 s after it is sent, and the
#: DAG stops waiting for receipts after 10 s (Fone Dynamics never finalises a number ending in 99).
FAST_SETTINGS = {
    "SMS_EXAMPLE_RECEIPT_TIMEOUT_S": "10",
    "SMS_EXAMPLE_POLL_INTERVAL_S": "0.5",
    "SMS_EXAMPLE_RETRY_DELAY_S": "1",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", choices=("sinch", "fonedynamics"), default="sinch")
    parser.add_argument(
        "--date", default="2026-01-06", help="run date; the run covers the day before it (default 2026-01-06)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary AIRFLOW_HOME and logs")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="sms-demo-"))
    log_file = home / "demo.log"
    bin_dir = Path(sys.executable).parent
    print(f"SMS demo: {DAG_ID} through the {args.vendor} sandbox (logs: {log_file})")
    ok = False
    try:
        with SandboxProcess(bin_dir / "airflow-sms-sandbox", log_file) as sandbox:
            ok = run_campaign(args, home, bin_dir, log_file, sandbox)
    finally:
        if not ok:
            print_log_tail(log_file)
        if args.keep or not ok:
            print(f"Kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    print("Result:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def run_campaign(
    args: argparse.Namespace, home: Path, bin_dir: Path, log_file: Path, sandbox: SandboxProcess
) -> bool:
    """Run the DAG, print the summary and the handsets' inboxes; return whether all went well."""
    airflow = DemoAirflow(home, DAGS, bin_dir, log_file)
    airflow.env.update(FAST_SETTINGS)
    connection = sinch_connection if args.vendor == "sinch" else fonedynamics_connection
    airflow.set_connection(CONN_ID, connection(sandbox.url))
    print(f"- sandbox on {sandbox.url}; preparing the SQLite metadata database ...")
    if airflow.run("db", "migrate") != 0:
        print("airflow db migrate failed")
        return False
    work_dir = home / "campaigns"
    conf = {"sms_conn_id": CONN_ID, "work_dir": str(work_dir), "expire_after_s": 5}
    print(f"- airflow dags test {DAG_ID} {args.date} ...")
    started = time.monotonic()
    exit_code = airflow.run("dags", "test", DAG_ID, args.date, "-c", json.dumps(conf))
    states = airflow.task_states(DAG_ID)
    print(f"  finished in {time.monotonic() - started:.0f} s; task instances: {dict(sorted(states.items()))}")
    summaries = sorted(work_dir.glob(f"{DAG_ID}/*/summary.json"))
    if exit_code != 0 or states.get("failed") or states.get("upstream_failed") or not summaries:
        print(f"The DAG run did not complete (exit code {exit_code}); see the log")
        return False
    summary = json.loads(summaries[-1].read_text())
    print()
    print("\n".join(summary_lines(summary)))
    day = summary["interval"][0][:10]
    lines, no_duplicates = handset_lines(
        day_audience(DAGS / "data" / "audience.csv", day), sandbox.inbox_count
    )
    print(f"Handsets of the {day} audience (sandbox inboxes):")
    print("\n".join(lines))
    return no_duplicates


def print_log_tail(log_file: Path, lines: int = 40) -> None:
    if log_file.exists():
        tail = log_file.read_text(errors="replace").splitlines()[-lines:]
        print("--- last lines of the log ---", *tail, sep="\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
