"""Send throughput of every way to send one text to many recipients, side by side, for both vendors.

For each vendor and each server (the sandbox, and a trivially fast server: see ``harness.py``), every round
times each path sending the same recipients in chunks of ``--chunk`` (one vendor request each):

* ``operator``: ``SmsSendOperator.execute`` with the numbers as a list (validation, look-up, send);
  ``operator@K`` (not in the default paths) the same through a connection whose
  ``max_concurrent_requests`` is K, e.g. ``--paths operator@1,operator@4`` side by side;
* ``hook``: the vendor hook's own endpoint method with the same chunks (``SinchHook.send_batch``,
  ``FoneDynamicsHook.send_messages``);
* ``sdk``: the official ``sinch`` SDK's ``sms.batches.send_sms`` (Sinch only; only where installed:
  ``make bench`` installs it in the bench environment, it is no dependency of the provider);
* ``ceiling``: the request bodies serialized before the clock starts, posted on one pooled
  ``requests.Session``: what any client must at least spend;
* ``naive``: one ``requests.post`` per recipient, as a hand-written loop would; capped at ``--naive``
  recipients a round, its rate is per recipient like the others.

Rounds are interleaved (each round runs every path once), after one unmeasured warm-up round; the sandbox
is reset before each path. ``--profile FILE`` also writes a cProfile of the operator against the fast
server, per vendor.

Run: ``.venv/bin/python bench/throughput.py --rounds 3``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sms-bench-"))

from harness import (
    FONE_ACCOUNT,
    FONE_PROPERTY,
    FONE_TOKEN,
    SINCH_PLAN,
    SINCH_TOKEN,
    Series,
    common_arguments,
    connection_env,
    emit,
    machine,
    numbers,
    reset_sandbox,
    rows,
    server_process,
    timed,
)

TEXT = "Your appointment is tomorrow at 10:00. Reply STOP to opt out."
SINCH_FROM, FONE_FROM = "+61499009990", "Acme"
VENDORS = ("sinch", "fonedynamics")
PATHS = ("operator", "hook", "sdk", "ceiling", "naive")


def chunked(items: Sequence[str], size: int) -> list[Sequence[str]]:
    """Split ``items`` into consecutive chunks of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def context_for(run_id: str) -> dict[str, Any]:
    """Return the bits of a task context the send operator reads."""
    ti = SimpleNamespace(
        dag_id="bench", task_id="send", run_id=run_id, map_index=-1, try_number=1, start_date=None
    )
    ti.xcom_push = lambda **kwargs: None
    dag_run = SimpleNamespace(run_id=run_id, run_after=None, start_date=None, clear_number=0)
    return {"ti": ti, "dag_run": dag_run}


class Paths:
    """Build, for one vendor and server, a callable per path that sends ``recipients`` once."""

    def __init__(self, vendor: str, server: str, url: str, chunk: int, naive_cap: int) -> None:
        self.vendor, self.url, self.chunk, self.naive_cap = vendor, url, chunk, naive_cap
        self.conn_id = f"bench_{vendor}_{server}"
        connection_env(self.conn_id, vendor, url)

    def make(self, path: str, recipients: Sequence[str]) -> Callable[[], object] | None:
        """Return the path's callable, or ``None`` where it does not exist (the SDK for Fone Dynamics).

        ``operator@K`` is the operator through a connection with ``max_concurrent_requests`` K.
        """
        if path.startswith("operator@"):
            concurrent = int(path.partition("@")[2])
            conn_id = f"{self.conn_id}_k{concurrent}"
            connection_env(conn_id, self.vendor, self.url, max_concurrent_requests=concurrent)
            return self._operator(recipients, conn_id)
        return getattr(self, f"_{path}")(recipients)  # type: ignore[no-any-return]

    def _operator(self, recipients: Sequence[str], conn_id: str | None = None) -> Callable[[], object]:
        from airflow_provider_sms.operators.send import SmsSendOperator

        operator = SmsSendOperator(
            task_id="send",
            sms_conn_id=conn_id or self.conn_id,
            to=list(recipients),
            body=TEXT,
            from_=SINCH_FROM if self.vendor == "sinch" else FONE_FROM,
            chunk_size=self.chunk,
        )
        context = context_for(f"bench__{uuid.uuid4().hex}")

        def run() -> None:
            result = operator.execute(context)  # type: ignore[arg-type]
            if result["recipients"] != len(recipients):
                raise RuntimeError(f"operator sent {result['recipients']} of {len(recipients)}")

        return run

    def _hook(self, recipients: Sequence[str]) -> Callable[[], object]:
        key = uuid.uuid4().hex[:20]
        chunks = chunked(recipients, self.chunk)
        if self.vendor == "sinch":
            from airflow_provider_sms.hooks.sinch import SinchHook

            def run_sinch() -> None:
                hook = SinchHook(self.conn_id)
                for n, chunk in enumerate(chunks):
                    hook.send_batch(
                        to=list(chunk), from_=SINCH_FROM, body=TEXT, client_reference=f"{key}-c{n}"
                    )

            return run_sinch
        from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook

        def run_fone() -> None:
            hook = FoneDynamicsHook(self.conn_id)
            for n, chunk in enumerate(chunks):
                hook.send_messages(
                    [
                        {"to": number, "text": TEXT, "from_": FONE_FROM, "external_id": f"{key}-c{n}.{i}"}
                        for i, number in enumerate(chunk)
                    ]
                )

        return run_fone

    def _sdk(self, recipients: Sequence[str]) -> Callable[[], object] | None:
        if self.vendor != "sinch":
            return None
        try:
            from sinch import SinchClient
        except ImportError:
            return None
        key = uuid.uuid4().hex[:20]
        chunks = chunked(recipients, self.chunk)

        def run() -> None:
            client = SinchClient(service_plan_id=SINCH_PLAN, sms_api_token=SINCH_TOKEN, sms_region="us")
            client.configuration.sms_domain_with_service_plan_id = self.url
            for n, chunk in enumerate(chunks):
                client.sms.batches.send_sms(
                    to=list(chunk), from_=SINCH_FROM, body=TEXT, client_reference=f"{key}-c{n}"
                )

        return run

    def _ceiling(self, recipients: Sequence[str]) -> Callable[[], object]:
        import requests

        key = uuid.uuid4().hex[:20]
        session = requests.Session()
        if self.vendor == "sinch":
            endpoint = f"{self.url}/xms/v1/{SINCH_PLAN}/batches"
            session.headers["Authorization"] = f"Bearer {SINCH_TOKEN}"
            bodies = [
                json.dumps(
                    {"from": SINCH_FROM, "to": list(c), "body": TEXT, "client_reference": f"{key}-c{n}"}
                ).encode()
                for n, c in enumerate(chunked(recipients, self.chunk))
            ]
            expected = 201
        else:
            endpoint = f"{self.url}/v2/Properties/{FONE_PROPERTY}/BatchMessages"
            session.auth = (FONE_ACCOUNT, FONE_TOKEN)
            bodies = [
                json.dumps(
                    {
                        "Messages": [
                            {"From": FONE_FROM, "To": to, "Text": TEXT, "ExternalId": f"{key}-c{n}.{i}"}
                            for i, to in enumerate(c)
                        ]
                    }
                ).encode()
                for n, c in enumerate(chunked(recipients, self.chunk))
            ]
            expected = 200
        session.headers["Content-Type"] = "application/json"

        def run() -> None:
            for body in bodies:
                response = session.post(endpoint, data=body, timeout=120)
                if response.status_code != expected:
                    raise RuntimeError(f"ceiling: {response.status_code} {response.text[:200]}")

        return run

    def _naive(self, recipients: Sequence[str]) -> Callable[[], object]:
        import requests

        capped = recipients[: self.naive_cap]
        if self.vendor == "sinch":
            endpoint = f"{self.url}/xms/v1/{SINCH_PLAN}/batches"
            headers = {"Authorization": f"Bearer {SINCH_TOKEN}"}

            def run_sinch() -> None:
                for number in capped:
                    body = {"from": SINCH_FROM, "to": [number], "body": TEXT}
                    requests.post(endpoint, json=body, headers=headers, timeout=60).raise_for_status()

            return run_sinch
        endpoint = f"{self.url}/v2/Properties/{FONE_PROPERTY}/Messages"

        def run_fone() -> None:
            for number in capped:
                body = {"From": FONE_FROM, "To": number, "Text": TEXT}
                requests.post(
                    endpoint, json=body, auth=(FONE_ACCOUNT, FONE_TOKEN), timeout=60
                ).raise_for_status()

        return run_fone


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the rounds and return the result."""
    recipients = numbers(args.recipients)
    series: dict[tuple[str, str, str], Series] = {}
    with server_process("sandbox") as sandbox_url, server_process("fast") as fast_url:
        servers = {"sandbox": sandbox_url, "fast": fast_url}
        builders = {
            (vendor, server): Paths(vendor, server, url, args.chunk, args.naive)
            for vendor in args.vendors.split(",")
            for server, url in servers.items()
            if server in args.servers.split(",")
        }
        warmup = 0 if args.smoke else 1
        for round_number in range(warmup + args.rounds):
            sample = recipients if round_number >= warmup else recipients[: min(2000, len(recipients))]
            for (vendor, server), paths in builders.items():
                for path in args.paths.split(","):
                    run = paths.make(path, sample)
                    if run is None:
                        continue
                    if server == "sandbox":
                        reset_sandbox(sandbox_url)
                        if args.latency_ms:
                            sandbox_latency(sandbox_url, args.latency_ms)
                    cpu_started = time.process_time()
                    seconds = timed(run)
                    cpu = time.process_time() - cpu_started
                    if round_number < warmup:
                        continue
                    sent = min(len(sample), args.naive) if path == "naive" else len(sample)
                    key = (vendor, server, path)
                    series.setdefault(key, Series(f"{vendor} {server} {path}", "recipients/s"))
                    series[key].values.append(sent / seconds)
                    cpu_key = (vendor, server, f"{path} cpu")
                    series.setdefault(
                        cpu_key, Series(f"{vendor} {server} {path} cpu", "client CPU µs/recipient")
                    )
                    series[cpu_key].values.append(cpu / sent * 1e6)
            print(f"round {round_number + 1 - warmup} done", file=sys.stderr, flush=True)
        profiles = profile_operator(builders, recipients, fast_url) if args.profile else {}
    if args.profile:
        Path(args.profile).write_text("".join(profiles.values()))
    return {
        "script": "throughput",
        "machine": machine(),
        "recipients": args.recipients,
        "chunk": args.chunk,
        "naive_recipients": min(args.naive, args.recipients),
        "rounds": args.rounds,
        "sandbox_latency_ms": args.latency_ms,
        "warmup": not args.smoke,
        "sdk_installed": _sdk_version(),
        "series": rows(list(series.values())),
        "ratios": ratios(series),
    }


def sandbox_latency(url: str, latency_ms: int) -> None:
    """Have the sandbox wait ``latency_ms`` before answering each vendor request, as a network would."""
    import requests

    requests.post(f"{url}/_sandbox/faults", json={"latency_ms": latency_ms}, timeout=30).raise_for_status()


def ratios(series: dict[tuple[str, str, str], Series]) -> dict[str, float]:
    """Return the ratios issue 12 asks for, from the medians."""
    found: dict[str, float] = {}
    for vendor in VENDORS:
        for server in ("sandbox", "fast"):
            operator = series.get((vendor, server, "operator"))
            if operator is None:
                continue
            for other in ("hook", "sdk", "ceiling", "naive"):
                against = series.get((vendor, server, other))
                if against is not None and against.median:
                    found[f"{vendor} {server} operator/{other}"] = operator.median / against.median
    return found


def profile_operator(
    builders: dict[tuple[str, str], Paths], recipients: Sequence[str], fast_url: str
) -> dict[str, str]:
    """Return a cProfile report of the operator against the fast server, per vendor."""
    reports: dict[str, str] = {}
    for vendor in {vendor for vendor, _ in builders}:
        run = builders[(vendor, "fast")].make("operator", recipients)
        assert run is not None
        profiler = cProfile.Profile()
        profiler.runcall(run)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        out.write(f"### {vendor}: SmsSendOperator.execute, {len(recipients)} recipients, fast server\n\n")
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        reports[vendor] = out.getvalue()
    return reports


def _sdk_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("sinch")
    except Exception:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000, help="recipients a round (default 20,000)")
    parser.add_argument("--chunk", type=int, default=1000, help="recipients a request (default 1,000)")
    parser.add_argument("--naive", type=int, default=300, help="recipients a naive round (default 300)")
    parser.add_argument("--profile", help="also write a cProfile of the operator against the fast server")
    parser.add_argument("--paths", default=",".join(PATHS), help="paths to measure (default: all)")
    parser.add_argument("--vendors", default=",".join(VENDORS), help="vendors (default: both)")
    parser.add_argument("--servers", default="sandbox,fast", help="servers (default: both)")
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="the sandbox answers each request this much later (a WAN)"
    )
    common_arguments(parser)
    args = parser.parse_args()
    if args.smoke:
        args.recipients, args.chunk, args.naive, args.rounds = 40, 10, 3, 1
    emit(measure(args), args.json)


if __name__ == "__main__":
    main()
