"""500 ``SmsBatchTrigger``s started at once in one event loop, as a triggerer starts a backlog of them.

Each round runs in a fresh child process against the sandbox: one Sinch batch is sent, then ``--triggers``
triggers watching it are created in one loop iteration and run until each has yielded its event (the
batch is final after the sandbox's 2 s delivery delay). That is harsher than Airflow's triggerer (3.1 to
3.3), whose ``create_triggers`` awaits ``asyncio.sleep(0)`` twice per trigger it creates, so it runs about
one new trigger's first step per loop iteration. A watchdog coroutine asks to wake every 5 ms and records
how late it wakes, from 0.3 s before the triggers start until the last event:

* ``longest stall``: the latest wake-up in the first 2 s after the start (the start-up), and over the
  whole run;
* ``p99 lateness``: the 99th percentile of all wake-ups;
* ``cpu``: the process's CPU seconds from the start to the last event;
* ``rss``: the process's peak resident memory (``ru_maxrss``), and its resident memory before the start;
* ``full garbage collections``: how many the interpreter ran in the first 2 s and the longest. A full
  collection walks every object of the process (Airflow's alone are about 170,000), holding the GIL, so it
  stops the loop wherever it runs; the stall is also shown net of the time spent in them, which is what
  the code on the loop and its threads cost.

Each round runs the start-up in four processes:

* ``cold``: the triggers are the first the process runs (their imports, first threads and first clients
  fall in the same moments), in a heap collected just before they start: the stall they cause themselves;
* ``as started``: the same without that collection. A full collection that the child's own import of
  Airflow left pending may fall into the start-up, set off by whatever allocates next: the stall of a
  triggerer whose full collection happens to fall on the start-up; ``as started, 1 trigger`` shows
  whether one trigger sets it off as well;
* ``warm``: one trigger ran to its end first, as in a triggerer that has been running.

CPython runs a full collection when the objects moved to the oldest generation since the last one
exceed a quarter of it. A fifth child per round (``cold``, not timed) samples how much the oldest
generation grows during the start-up: as a share of that quarter, how near the triggers come to
setting off a full collection on their own. ``--gc-freeze`` shows what a triggerer that called
``gc.freeze()`` after its own start-up would see: full collections then walk only the objects made
since, which is what makes them short.

Run: ``.venv/bin/python bench/triggers.py --rounds 3``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sms-bench-"))

from harness import (
    SINCH_PLAN,
    SINCH_TOKEN,
    Series,
    common_arguments,
    connection_env,
    emit,
    machine,
    numbers,
    rows,
    server_process,
)

TICK_S = 0.005
STARTUP_WINDOW_S = 2.0
CONN_ID = "bench_triggers"


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _run_triggers(
    count: int, batch_id: str, poll_s: float, timeout_s: float, probe: bool = False
) -> dict[str, Any]:
    from airflow_provider_sms.triggers.batch import NumberDigest, SmsBatchTrigger, WaitCondition

    loop = asyncio.get_running_loop()
    wakes: list[tuple[float, float]] = []  # (when, lateness)
    collections: list[list[float]] = []  # [start, end] of each full garbage collection, loop clock
    done = asyncio.Event()

    def full_collections(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                collections.append([time.monotonic(), float("inf")])
            elif collections:
                collections[-1][1] = time.monotonic()

    gc.callbacks.append(full_collections)

    async def watchdog() -> None:
        while not done.is_set():
            asked = loop.time()
            await asyncio.sleep(TICK_S)
            woke = loop.time()
            wakes.append((woke, woke - asked - TICK_S))

    async def first_event(trigger: SmsBatchTrigger) -> dict[str, Any]:
        events = [dict(event.payload) async for event in trigger.run()]  # the trigger yields one
        return events[0]

    watching = asyncio.create_task(watchdog())
    await asyncio.sleep(0.3)
    rss_before = _rss_mib()
    condition = WaitCondition.build("all_final").to_json(NumberDigest("bench-digest-key"))
    triggers = [
        SmsBatchTrigger(
            CONN_ID, [batch_id], condition, end_time=time.time() + timeout_s, poll_interval=poll_s
        )
        for _ in range(count)
    ]
    oldest = len(gc.get_objects(2)) if probe else 0
    growth: list[int] = []

    async def sample_oldest_generation() -> None:
        while not done.is_set():
            growth.append(len(gc.get_objects(2)) - oldest)
            await asyncio.sleep(0.1)

    sampling = asyncio.create_task(sample_oldest_generation()) if probe else None
    cpu_started = time.process_time()
    started = loop.time()
    events = await asyncio.gather(*(first_event(t) for t in triggers))
    finished = loop.time()
    cpu = time.process_time() - cpu_started
    done.set()
    await watching
    if sampling is not None:
        await sampling
    gc.callbacks.remove(full_collections)
    lateness = sorted(late for when, late in wakes if when >= started)
    window_end = started + STARTUP_WINDOW_S
    startup = [late for when, late in wakes if started <= when <= window_end]
    in_window = [(begin, end) for begin, end in collections if started <= begin <= window_end]

    def net_of_collections(when: float, late: float) -> float:
        overlap = sum(max(0.0, min(when, end) - max(when - late, begin)) for begin, end in in_window)
        return late - overlap

    startup_net = [net_of_collections(w, late) for w, late in wakes if started <= w <= window_end]
    statuses: dict[str, int] = {}
    for event in events:
        statuses[event["status"]] = statuses.get(event["status"], 0) + 1
    return {
        "startup_stall_ms": max(startup, default=0.0) * 1000,
        "startup_stall_net_ms": max(startup_net, default=0.0) * 1000,
        "startup_collections": len(in_window),
        "startup_longest_collection_ms": max((e - b for b, e in in_window), default=0.0) * 1000,
        "longest_stall_ms": max(lateness, default=0.0) * 1000,
        "p99_lateness_ms": lateness[int(0.99 * (len(lateness) - 1))] * 1000 if lateness else 0.0,
        "cpu_s": cpu,
        "seconds": finished - started,
        "rss_before_mib": rss_before,
        "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "statuses": statuses,
        "oldest_generation_growth_share": max(growth, default=0) / (oldest / 4) if probe else None,
    }


def child(args: argparse.Namespace) -> None:
    """One round, in this process: send a batch, then run the triggers."""
    import requests

    import airflow_provider_sms.triggers.batch  # noqa: F401 - imported before the clock starts

    connection_env(CONN_ID, "sinch", args.url)
    response = requests.post(
        f"{args.url}/xms/v1/{SINCH_PLAN}/batches",
        json={"from": "+61499009990", "to": numbers(10), "body": "trigger bench"},
        headers={"Authorization": f"Bearer {SINCH_TOKEN}"},
        timeout=30,
    )
    response.raise_for_status()
    batch_id = response.json()["id"]

    if args.mode in ("cold", "probe"):
        gc.collect()  # no full collection due: what the triggers set off is their own
    if args.gc_freeze:  # what a triggerer that froze its start-up heap would see (not done by default)
        gc.freeze()

    async def rounds() -> dict[str, Any]:
        if args.mode == "warm":  # one trigger first, as in a triggerer that has been running
            await _run_triggers(1, batch_id, args.poll, args.timeout)
        return await _run_triggers(args.triggers, batch_id, args.poll, args.timeout, args.mode == "probe")

    print(json.dumps(asyncio.run(rounds())), flush=True)


#: The start-ups of a round: (name, child mode, triggers; ``None``: ``--triggers``).
STARTS = (
    ("cold process", "cold", None),
    ("cold process as started", "as-started", None),
    ("cold process as started, 1 trigger", "as-started", 1),
    ("warm process", "warm", None),
)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run each round's start-ups, each in a child process, against one sandbox."""
    names = {
        "startup_stall_ms": ("longest stall in the first 2 s", "ms"),
        "startup_stall_net_ms": ("longest stall in the first 2 s, net of full garbage collections", "ms"),
        "startup_collections": ("full garbage collections in the first 2 s", "collections"),
        "startup_longest_collection_ms": ("longest full garbage collection in the first 2 s", "ms"),
        "longest_stall_ms": ("longest stall over the run", "ms"),
        "p99_lateness_ms": ("p99 lateness", "ms"),
        "cpu_s": ("CPU", "s"),
        "seconds": ("time to the last event", "s"),
        "rss_before_mib": ("RSS before the start", "MiB"),
        "rss_peak_mib": ("peak RSS", "MiB"),
    }
    series = {
        (start, key): Series(f"{start}: {name}", unit)
        for start, _, _ in STARTS
        for key, (name, unit) in names.items()
    }
    growth = Series(
        "cold process: most growth of the oldest generation, share of what sets off a full collection "
        "(a run with samples, not timed)",
        "x",
    )
    statuses: list[dict[str, int]] = []
    with server_process("sandbox") as url:
        for _ in range(args.rounds):
            for start, mode, count in (*STARTS, ("probe", "probe", None)):
                command = [sys.executable, __file__, "--child", "--url", url, "--mode", mode]
                command += ["--triggers", str(count or args.triggers), "--poll", str(args.poll)]
                command += ["--timeout", str(args.timeout)] + (["--gc-freeze"] if args.gc_freeze else [])
                out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)  # noqa: S603
                result = json.loads(out.stdout.strip().splitlines()[-1])
                statuses.append(result["statuses"])
                if mode == "probe":
                    growth.values.append(result["oldest_generation_growth_share"])
                    continue
                for key in names:
                    series[(start, key)].values.append(result[key])
    return {
        "script": "triggers",
        "machine": machine(),
        "triggers": args.triggers,
        "poll_interval_s": args.poll,
        "rounds": args.rounds,
        "series": rows([*series.values(), growth]),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=500, help="triggers started at once (default 500)")
    parser.add_argument("--poll", type=float, default=1.0, help="poll interval, seconds (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="each trigger's deadline, seconds")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("cold", "as-started", "warm", "probe"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="each child calls gc.freeze() before the triggers start (Airflow's triggerer does not)",
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    common_arguments(parser)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.smoke:
        args.triggers, args.rounds = 5, 1
    emit(measure(args), args.json)


if __name__ == "__main__":
    main()
