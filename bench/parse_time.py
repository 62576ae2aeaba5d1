"""Parse time of each example DAG against an equivalent DAG of standard operators, as the processor sees it.

Airflow's DAG processor imports Airflow once, pre-imports the ``airflow.*`` modules each DAG file names,
and forks a child per parse. This script does the same: it imports Airflow, pre-imports the ``airflow.*``
imports of every measured file, parses a trivial DAG once (first-use costs), then forks one child per
parse and times ``DagBag(dag_folder=<file>)`` there. Each child also reports which modules of this
provider the parse imported, and whether it imported ``requests`` or a vendor client or model (``sys.modules``
has them removed first, so that a re-import shows).

``bench/equivalent_dags/`` holds, per DAG file of ``dags/`` (``example_X.py``), an ``equivalent_X.py`` with
the same tasks, dependencies, mapping, templates and helper imports, and standard operators in place of
the provider's. The DAG files are discovered, not listed: one without an equivalent stops the script.

Also measured, each in a forked child with the provider's modules forgotten: importing
``operators.send``, and importing ``get_provider_info``, which every Airflow process does at start-up.

Run: ``.venv/bin/python bench/parse_time.py --rounds 5``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sms-bench-"))

from harness import ROOT, Series, common_arguments, emit, machine, rows

EXAMPLES = ROOT / "dags"
EQUIVALENTS = Path(__file__).resolve().parent / "equivalent_dags"
#: Modules a DAG parse must not import (issue 12): the HTTP stack and the vendor wire layer.
FORBIDDEN_PREFIXES = ("requests", "airflow_provider_sms.clients", "airflow_provider_sms.models.sinch")
TRIVIAL_DAG = """
import pendulum
from airflow.sdk import DAG

with DAG("bench_trivial", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
    pass
"""


def pairs() -> dict[str, str]:
    """Return, for every DAG file of ``dags/``, the name of its equivalent in ``bench/equivalent_dags/``.

    :raises SystemExit: a DAG file has no equivalent.
    """
    found = {
        path.stem: "equivalent_" + path.stem.removeprefix("example_")
        for path in sorted(EXAMPLES.glob("*.py"))
    }
    missing = [f"{name}.py" for name in found.values() if not (EQUIVALENTS / f"{name}.py").is_file()]
    if missing:
        names = ", ".join(missing)
        raise SystemExit(f"bench/equivalent_dags/ lacks {names}: write one per DAG file of dags/")
    return found


def _dag_bag_class() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    return DagBag


def forget(prefixes: tuple[str, ...]) -> None:
    """Remove modules named by ``prefixes`` (and their submodules) from ``sys.modules``."""
    for name in [m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in prefixes)]:
        del sys.modules[name]


def in_fork(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked child and return what it returned (JSON through a pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        try:
            result = work()
        except BaseException as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write_end, "w") as pipe:
            json.dump(result, pipe)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(data)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def parse_once(path: Path) -> dict[str, Any]:
    """Parse one file (in a forked child) and say what it cost and imported."""
    dag_bag = _dag_bag_class()
    forget(FORBIDDEN_PREFIXES)
    before = set(sys.modules)
    started = time.perf_counter()
    bag = dag_bag(dag_folder=str(path))
    seconds = time.perf_counter() - started
    if bag.import_errors or not bag.dag_ids:
        raise RuntimeError(f"{path.name} did not parse: {bag.import_errors}")
    new = sorted(set(sys.modules) - before)
    return {
        "ms": seconds * 1000,
        "provider_modules": [m for m in new if m.startswith("airflow_provider_sms")],
        "forbidden": [m for m in new if any(m == p or m.startswith(p + ".") for p in FORBIDDEN_PREFIXES)],
    }


def import_once(module: str) -> dict[str, Any]:
    """Import ``module`` with every provider module forgotten (in a forked child)."""
    forget(("airflow_provider_sms",))
    before = set(sys.modules)
    started = time.perf_counter()
    __import__(module)
    seconds = time.perf_counter() - started
    new = sorted(set(sys.modules) - before)
    return {
        "ms": seconds * 1000,
        "provider_modules": [m for m in new if m.startswith("airflow_provider_sms")],
    }


def prepare(files: list[Path]) -> list[str]:
    """Import Airflow and each file's ``airflow.*`` imports, and parse a trivial DAG, as the processor would.

    :return: The provider's modules that importing Airflow loaded.
    """
    sys.path.insert(0, str(EXAMPLES))  # the examples import their helpers by name, from the dags folder
    before = set(sys.modules)
    import airflow  # noqa: F401

    loaded = sorted(m for m in set(sys.modules) - before if m.startswith("airflow_provider_sms"))
    try:
        from airflow.utils.file import iter_airflow_imports
    except ImportError:
        iter_airflow_imports = None
    for path in files:
        for module in iter_airflow_imports(str(path)) if iter_airflow_imports else ():
            try:
                __import__(module)
            except Exception as exc:
                print(f"pre-import of {module} failed: {exc}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        trivial = Path(folder) / "bench_trivial.py"
        trivial.write_text(TRIVIAL_DAG)
        _dag_bag_class()(dag_folder=str(trivial))
    return loaded


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the rounds and return the result."""
    measured = pairs()  # every one even in a smoke run: each equivalent must parse
    files = {name: EXAMPLES / f"{name}.py" for name in measured}
    files.update({name: EQUIVALENTS / f"{name}.py" for name in measured.values()})
    loaded_by_airflow = prepare(list(files.values()))
    # The DAG processor's manager freezes its heap before it forks parsers (gc.freeze() in before_run, Airflow
    # 3.1 and 3.3): without it a fork may pay a full collection of Airflow's objects inside the timed parse.
    gc.freeze()
    series = {name: Series(name, "ms") for name in files}
    imports = {
        module: Series(f"import {module}", "ms")
        for module in ("airflow_provider_sms.operators.send", "airflow_provider_sms.get_provider_info")
    }
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for name, path in files.items():
            result = in_fork(lambda path=path: parse_once(path))  # type: ignore[misc]
            series[name].values.append(result["ms"])
            seen[name] = result
        for module, found in imports.items():
            result = in_fork(lambda module=module: import_once(module))  # type: ignore[misc]
            found.values.append(result["ms"])
            seen[f"import {module}"] = result
    comparison = {
        example: {
            "example_ms": series[example].median,
            "equivalent_ms": series[equivalent].median,
            "ratio": series[example].median / series[equivalent].median,
            "difference_ms": series[example].median - series[equivalent].median,
        }
        for example, equivalent in measured.items()
    }
    return {
        "script": "parse_time",
        "machine": machine(),
        "rounds": args.rounds,
        "series": rows([*series.values(), *imports.values()]),
        "comparison": comparison,
        "imports": {name: {k: v for k, v in found.items() if k != "ms"} for name, found in seen.items()},
        "provider_modules_loaded_by_import_airflow": loaded_by_airflow,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser, rounds=5)
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 1
    emit(measure(args), args.json)


if __name__ == "__main__":
    main()
