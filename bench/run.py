"""``make bench``: run every benchmark of ``bench/`` one after another and write ``bench/RESULTS.md``.

Each script runs in its own process and writes JSON; this script turns them into the tables of
``RESULTS.md``, with the command, the machine, the median, min and max over the rounds, and the goals of
issue 12 as measured in this run. Whatever ``RESULTS.md`` holds below the line :data:`KEPT_MARK` (the
history of earlier runs, written by hand) is kept as it is.

``--smoke`` runs every script at tiny sizes, one round, and writes to ``--output`` (a test does this);
``--only`` runs some scripts (their sections of a previous run are then not shown).

Run: ``make bench`` (or ``.venv-bench/bin/python bench/run.py``)
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
KEPT_MARK = "<!-- Everything below this line is written by hand and kept by `make bench`. -->"
SCRIPTS = ("throughput", "memory", "parse_time", "triggers", "fone_lookup", "sandbox_capacity")
SMOKE_CAPACITY = ["--requests", "2", "--concurrency", "1", "--campaign-batches", "1"]
MIB_GOAL, STALL_GOAL_MS, TRIGGER_RSS_GOAL = 150.0, 50.0, 200.0


def compile_bytecode() -> None:
    """Compile every module a measurement imports, as an installed deployment has them.

    Without ``.pyc`` files each process compiles what it imports (this machine sets
    ``PYTHONDONTWRITEBYTECODE=1``), which would count compilation into parse and start-up times.
    """
    spec = importlib.util.find_spec("airflow_provider_sms")  # the tree measured, PYTHONPATH included
    package = Path(spec.origin).parent if spec and spec.origin else ROOT / "airflow_provider_sms"
    folders = [sysconfig.get_paths()["purelib"], package, ROOT / "dags", BENCH / "equivalent_dags"]
    for folder in folders:
        compileall.compile_dir(str(folder), quiet=1, workers=0)


def run_script(name: str, smoke: bool, folder: Path, log: Path) -> dict[str, Any]:
    """Run one script; return its JSON result (``sandbox_capacity``: its printed lines)."""
    command = [sys.executable, str(BENCH / f"{name}.py")]
    started = time.monotonic()
    with log.open("a") as handle:
        handle.write(f"\n=== {shlex.join(command)}\n")
        handle.flush()
        if name == "sandbox_capacity":
            command += SMOKE_CAPACITY if smoke else []
            out = subprocess.run(  # noqa: S603 - our own script
                command, stdout=subprocess.PIPE, stderr=handle, text=True, check=True, cwd=ROOT
            )
            result: dict[str, Any] = {"script": name, "lines": out.stdout.strip().splitlines()}
        else:
            target = folder / f"{name}.json"
            command += ["--json", str(target)] + (["--smoke"] if smoke else [])
            subprocess.run(command, stdout=handle, stderr=handle, check=True, cwd=ROOT)  # noqa: S603
            result = json.loads(target.read_text())
    result["command"] = shlex.join(["python", f"bench/{name}.py", *command[2:]]).replace(
        str(folder) + "/", ""
    )
    result["wall_s"] = time.monotonic() - started
    print(f"{name}: {result['wall_s']:.0f} s", file=sys.stderr, flush=True)
    return result


def _stat(series: Mapping[str, Any], digits: int = 0) -> str:
    spec = f",.{digits}f"
    return f"{series['median']:{spec}} ({series['min']:{spec}} to {series['max']:{spec}})"


def _by_name(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {series["name"]: series for series in result.get("series", [])}


def throughput_section(result: Mapping[str, Any]) -> list[str]:
    found = _by_name(result)
    warmup = " after one warm-up round" if result.get("warmup") else ""
    lines = [
        "## Send throughput",
        "",
        f"`{result['command']}`: {result['recipients']:,} recipients in requests of {result['chunk']:,}, "
        f"{result['rounds']} rounds{warmup}; the naive loop sends {result['naive_recipients']:,} "
        f"recipients a round. Recipients per second, median (min to max). Official SDK: "
        f"`sinch` {result['sdk_installed'] or 'not installed (n/a)'}.",
        "",
    ]
    for vendor, title in (("sinch", "Sinch"), ("fonedynamics", "Fone Dynamics")):
        lines += [f"| {title} | vs the sandbox | vs the fast server |", "|---|---|---|"]
        for path, label in (
            ("operator", "`SmsSendOperator.execute`, list of numbers"),
            ("hook", "hook endpoint method, same chunks"),
            ("sdk", "official `sinch` SDK, same chunks"),
            ("ceiling", "ceiling: pre-serialized bodies, one pooled `requests.Session`"),
            ("naive", "naive: one `requests.post` per recipient"),
        ):
            cells = [found.get(f"{vendor} {server} {path}") for server in ("sandbox", "fast")]
            if any(cells):
                shown = [_stat(c) if c else "n/a" for c in cells]
                lines.append(f"| {label} | {shown[0]} | {shown[1]} |")
        lines.append("")
    lines += [
        "Client CPU per recipient, µs (the measuring process's CPU time: steadier than the rates on a shared",
        "machine), median (min to max):",
        "",
        "| path | Sinch, sandbox | Sinch, fast | Fone Dynamics, sandbox | Fone Dynamics, fast |",
        "|---|---|---|---|---|",
    ]
    for path in ("operator", "hook", "sdk", "ceiling", "naive"):
        cells = [
            found.get(f"{vendor} {server} {path} cpu")
            for vendor in ("sinch", "fonedynamics")
            for server in ("sandbox", "fast")
        ]
        if any(cells):
            lines.append(f"| {path} | " + " | ".join(_stat(c, 1) if c else "n/a" for c in cells) + " |")
    lines.append("")
    lines += [
        "Ratios of the medians:",
        "",
        "| ratio | vs the sandbox | vs the fast server |",
        "|---|---|---|",
    ]
    ratios = result["ratios"]
    for vendor in ("sinch", "fonedynamics"):
        for other in ("ceiling", "sdk", "hook", "naive"):
            cells = [ratios.get(f"{vendor} {server} operator/{other}") for server in ("sandbox", "fast")]
            if any(c is not None for c in cells):
                shown = ["n/a" if c is None else f"{c:.2f}" for c in cells]
                lines.append(f"| {vendor} operator / {other} | {shown[0]} | {shown[1]} |")
    return [*lines, ""]


def memory_section(result: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Peak memory of a CSV send",
        "",
        f"`{result['command']}`: each round a fresh process sends the CSV through `SmsSendOperator.execute` "
        "to the fast server. MiB and seconds, median (min to max).",
        "",
        "| measurement | value |",
        "|---|---|",
    ]
    for series in result["series"]:
        lines.append(f"| {series['name']} | {_stat(series, 1)} {series['unit']} |")
    return [*lines, ""]


def parse_section(result: Mapping[str, Any]) -> list[str]:
    found = _by_name(result)
    lines = [
        "## Parse time of the example DAGs",
        "",
        f"`{result['command']}`: as the DAG processor parses (Airflow imported, each file's `airflow.*` "
        "imports pre-imported, one forked child per parse), milliseconds, median (min to max).",
        "",
        "| example DAG | parse | equivalent DAG of standard operators | ratio | difference |",
        "|---|---|---|---|---|",
    ]
    for example, numbers in result["comparison"].items():
        equivalent = example.replace("example_", "equivalent_")
        lines.append(
            f"| `{example}` | {_stat(found[example], 1)} | {_stat(found[equivalent], 1)} | "
            f"{numbers['ratio']:.1f} | {numbers['difference_ms']:+.1f} ms |"
        )
    lines += ["", "| import, provider modules forgotten first | ms |", "|---|---|"]
    for name, series in found.items():
        if name.startswith("import "):
            lines.append(f"| `{name}` | {_stat(series, 1)} |")
    lines += [
        "",
        "What each parse imported of the provider, and of `requests`, clients and vendor models:",
        "",
    ]
    for name, seen in result["imports"].items():
        if not name.startswith("import "):
            modules = ", ".join(m.removeprefix("airflow_provider_sms.") for m in seen["provider_modules"])
            forbidden = ", ".join(seen["forbidden"]) or "none"
            lines.append(f"- `{name}`: {modules or 'nothing'}; forbidden: {forbidden}")
    loaded = ", ".join(
        m.removeprefix("airflow_provider_sms.") for m in result["provider_modules_loaded_by_import_airflow"]
    )
    lines += ["", f"`import airflow` itself loads, through `get_provider_info`: {loaded}.", ""]
    return lines


def triggers_section(result: Mapping[str, Any]) -> list[str]:
    lines = [
        f"## {result['triggers']} `SmsBatchTrigger`s started at once",
        "",
        f"`{result['command']}`: one fresh process a round, against the sandbox, poll interval "
        f"{result['poll_interval_s']:g} s; median (min to max). Events: {result['statuses']}.",
        "",
        "*Cold process*: the first triggers the process runs, imports and first threads included, in a heap "
        "collected just before. *As started*: without that collection, so a full garbage collection that the "
        "child's own import of Airflow left pending may fall into the start-up, set off by whatever allocates"
        " next (one trigger as well as 500): whether it does depends on what that import allocated (from "
        "uncompiled sources it did, ~90-100 ms; after `make bench` compiled them it may not). *Warm*: one "
        "trigger ran first. The growth of the oldest generation is a lower bound of what CPython counts "
        "towards its next full collection (objects promoted and freed since are not seen); 1.0 is the quarter"
        " of that generation at which one runs.",
        "",
        "| measurement | value |",
        "|---|---|",
    ]
    for series in result["series"]:
        lines.append(f"| {series['name']} | {_stat(series, 1)} {series['unit']} |")
    return [*lines, ""]


def fone_section(result: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Fone Dynamics idempotency look-up against the history",
        "",
        f"`{result['command']}`: the history is {result['gap_s']:g} s older than the campaign; "
        "median (min to max).",
        "",
        "| history, window | value |",
        "|---|---|",
    ]
    for series in result["series"]:
        digits = 0 if series["unit"] == "requests" else 2
        lines.append(f"| {series['name']} | {_stat(series, digits)} {series['unit']} |")
    return [*lines, ""]


def capacity_section(result: Mapping[str, Any]) -> list[str]:
    return [
        "## Sandbox capacity",
        "",
        f"`{result['command']}` (see `bench/sandbox_capacity.py`):",
        "",
        "```",
        *result["lines"],
        "```",
        "",
    ]


def goals_section(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The goals of issue 12 that this run measures, each with its number and whether it is met."""
    rows: list[tuple[str, str, bool | None]] = []
    ratios = results.get("throughput", {}).get("ratios", {})

    def ratio(name: str, at_least: float, goal: str) -> None:
        if name in ratios:
            rows.append((goal, f"{ratios[name]:.2f}", ratios[name] >= at_least))

    ratio("sinch sandbox operator/ceiling", 0.9, "Sinch operator >= 0.9 x ceiling, sandbox")
    ratio("sinch sandbox operator/sdk", 1.0, "Sinch operator >= 1.0 x SDK, sandbox")
    ratio("sinch fast operator/sdk", 1.0, "Sinch operator >= 1.0 x SDK, fast server")
    ratio("sinch fast operator/ceiling", 0.5, "Sinch operator >= 0.5 x ceiling, fast server")
    ratio("fonedynamics sandbox operator/ceiling", 0.9, "Fone Dynamics operator >= 0.9 x ceiling, sandbox")
    ratio("fonedynamics sandbox operator/naive", 20, "Fone Dynamics operator >= 20 x naive, sandbox")
    ratio("fonedynamics fast operator/naive", 20, "Fone Dynamics operator >= 20 x naive, fast server")
    memory = _by_name(results.get("memory", {}))
    peaks = [s for name, s in memory.items() if name.endswith("peak RSS")]
    if peaks:
        worst = max(s["median"] for s in peaks)
        rows.append(
            ("CSV send peak RSS < 150 MiB, flat", f"{worst:.0f} MiB (largest median)", worst < MIB_GOAL)
        )
    for example, numbers in results.get("parse_time", {}).get("comparison", {}).items():
        met = numbers["ratio"] <= 3 or numbers["difference_ms"] <= 50
        shown = f"{numbers['ratio']:.1f} x, {numbers['difference_ms']:+.0f} ms"
        rows.append((f"`{example}` parses within 3 x or 50 ms of its equivalent", shown, met))
    triggers = _by_name(results.get("triggers", {}))
    if triggers:
        cold = triggers["cold process: longest stall in the first 2 s"]["median"]
        warm = triggers["warm process: longest stall in the first 2 s"]["median"]
        rss = triggers["cold process: peak RSS"]["median"]
        goal = "500 triggers: no loop stall over 50 ms at start-up"
        rows.append((f"{goal}, cold process", f"{cold:.0f} ms", cold <= STALL_GOAL_MS))
        rows.append((f"{goal}, warm process", f"{warm:.0f} ms", warm <= STALL_GOAL_MS))
        rows.append(("500 triggers: under 200 MiB", f"{rss:.0f} MiB", rss < TRIGGER_RSS_GOAL))
    fone = _by_name(results.get("fone_lookup", {}))
    counts = {name: s["median"] for name, s in fone.items() if name.endswith("requests")}
    if counts:
        windowed = {n: c for n, c in counts.items() if "campaign window" in n}
        chosen = windowed or counts
        shown = ", ".join(f"{n.split(':')[0]}: {c:.0f}" for n, c in chosen.items())
        steady = len(set(chosen.values())) == 1 if len(chosen) > 1 else None
        rows.append(("Fone Dynamics look-up requests independent of history", shown, steady))
    lines = ["## Goals of issue 12 in this run", "", "| goal | measured | met |", "|---|---|---|"]
    for goal, shown, met in rows:
        verdict = "n/a (one size)" if met is None else "yes" if met else "**no**"
        lines.append(f"| {goal} | {shown} | {verdict} |")
    return [*lines, ""]


SECTIONS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "throughput": throughput_section,
    "memory": memory_section,
    "parse_time": parse_section,
    "triggers": triggers_section,
    "fone_lookup": fone_section,
    "sandbox_capacity": capacity_section,
}


def render(results: Mapping[str, Mapping[str, Any]], command: str, kept: str) -> str:
    """Return ``RESULTS.md``: the generated part, the mark, and the kept part."""
    first = next(iter(r for r in results.values() if "machine" in r), {})
    machine = first.get("machine", {})
    total = sum(r["wall_s"] for r in results.values())
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"every script one after another in this one run ({total:.0f} s).",
        "",
        f"Machine: {machine.get('cpus')} CPUs ({machine.get('cpu_model')}), Python {machine.get('python')}, "
        f"Airflow {machine.get('airflow')}, pydantic {machine.get('pydantic')}, requests "
        f"{machine.get('requests')}; load average {machine.get('load_average')} when the first script ended "
        "(the machine is shared: single numbers move by up to 2x between runs; compare medians of one run).",
        "",
        *goals_section(results),
    ]
    for name, section in SECTIONS.items():
        if name in results:
            lines += section(results[name])
    return "\n".join(lines) + "\n" + KEPT_MARK + "\n" + kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round (a test runs this)")
    parser.add_argument("--only", help="comma-separated scripts to run (default: all)")
    parser.add_argument("--output", help="folder for RESULTS.md (default: bench/)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SCRIPTS)
    target = Path(args.output or BENCH) / "RESULTS.md"
    old = target.read_text() if target.exists() else ""
    kept = old.split(KEPT_MARK, 1)[1].lstrip("\n") if KEPT_MARK in old else ""
    if not args.smoke:
        compile_bytecode()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "bench.log"
        try:
            results = {name: run_script(name, args.smoke, Path(folder), log) for name in names}
        except subprocess.CalledProcessError:
            print(log.read_text()[-5000:], file=sys.stderr)
            raise
    command = (
        "make bench"
        if not (args.smoke or args.only)
        else shlex.join(["python", "bench/run.py", *sys.argv[1:]])
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(results, command, kept))
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
