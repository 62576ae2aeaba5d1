"""Peak memory of a large CSV send: ``SmsSendOperator.execute`` over 100,000 and 1,000,000 recipients.

The CSV (``phone`` and ``name`` columns, a ``${name}`` in the text) is written first; then each round
runs the send in a fresh child process against the trivially fast server and reports the child's peak
resident memory (``ru_maxrss``), its resident memory just before ``execute`` (Airflow and the provider
imported), and the seconds ``execute`` took. Memory is flat when the peak does not grow with the
recipients.

Run: ``.venv/bin/python bench/memory.py --rounds 3``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sms-bench-"))

from harness import Series, common_arguments, connection_env, emit, machine, numbers, rows, server_process

BODY = "Hi ${name}, your appointment is tomorrow at 10:00. Reply STOP to opt out."


def write_csv(path: Path, count: int) -> None:
    """Write ``count`` recipients with a ``phone`` and a ``name`` column."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "name"])
        writer.writerows([number, f"Person {i}"] for i, number in enumerate(numbers(count)))


def child(args: argparse.Namespace) -> None:
    """One send, in this process; print its JSON result."""
    from types import SimpleNamespace

    from airflow_provider_sms.operators.send import SmsSendOperator

    connection_env("bench_memory", args.vendor, args.url)
    run_id = f"bench__{uuid.uuid4().hex}"
    ti = SimpleNamespace(dag_id="bench", task_id="send", run_id=run_id, map_index=-1, try_number=1)
    ti.start_date = None
    ti.xcom_push = lambda **kwargs: None
    dag_run = SimpleNamespace(run_id=run_id, run_after=None, start_date=None, clear_number=0)
    operator = SmsSendOperator(
        task_id="send",
        sms_conn_id="bench_memory",
        to=args.csv,
        body=BODY,
        from_="+61499009990" if args.vendor == "sinch" else "Acme",
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = operator.execute({"ti": ti, "dag_run": dag_run})  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    if result["recipients"] != args.count:
        raise RuntimeError(f"sent {result['recipients']} of {args.count}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mib": peak, "before_mib": rss_before, "seconds": seconds}), flush=True)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run each size's rounds in child processes."""
    sizes = [(vendor, int(count)) for vendor, count in (item.split(":") for item in args.sizes.split(","))]
    series: list[Series] = []
    with tempfile.TemporaryDirectory() as folder, server_process("fast") as url:
        for vendor, count in sizes:
            path = Path(folder) / f"recipients-{count}.csv"
            if not path.exists():
                write_csv(path, count)
            peak = Series(f"{vendor} {count:,} recipients: peak RSS", "MiB")
            before = Series(f"{vendor} {count:,} recipients: RSS before execute", "MiB")
            seconds = Series(f"{vendor} {count:,} recipients: execute", "s")
            for _ in range(args.rounds):
                command = [sys.executable, __file__, "--child", "--url", url, "--vendor", vendor]
                command += ["--csv", str(path), "--count", str(count)]
                out = subprocess.run(  # noqa: S603
                    command, capture_output=True, text=True, check=True, timeout=1800
                )
                result = json.loads(out.stdout.strip().splitlines()[-1])
                peak.values.append(result["peak_mib"])
                before.values.append(result["before_mib"])
                seconds.values.append(result["seconds"])
            series += [peak, before, seconds]
    return {"script": "memory", "machine": machine(), "rounds": args.rounds, "series": rows(series)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="sinch:100000,sinch:1000000",
        help="vendor:recipients pairs, comma-separated (default sinch:100000,sinch:1000000)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--vendor", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    common_arguments(parser)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.smoke:
        args.sizes, args.rounds = "sinch:200", 1
    emit(measure(args), args.json)


if __name__ == "__main__":
    main()
