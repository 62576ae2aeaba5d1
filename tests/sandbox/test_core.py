"""What both vendor APIs share: loopback, SMS parts, clock, state store, inboxes, callbacks, the context."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig
from airflow_provider_sms.sandbox.core import (
    CallbackDispatcher,
    Inbox,
    SandboxClock,
    SandboxContext,
    StateStore,
    count_segments,
    is_gsm7,
    is_loopback_client,
    is_loopback_host,
    is_loopback_url,
    normalize_msisdn,
    outcome_for,
    query_value,
)
from tests.sandbox.listener import CallbackListener

# --- loopback checks ----------------------------------------------------------------------------------------

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only checked, never bound


@pytest.mark.parametrize("host", ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize("host", [ALL_INTERFACES, "10.0.0.1", "::", "example.com", "", None, "128.0.0.1"])
def test_non_loopback_hosts(host: str | None) -> None:
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/dlr", True),
        ("https://localhost/x", True),
        ("http://[::1]:9/x", True),
        ("http://example.com/x", False),
        ("ftp://127.0.0.1/x", False),
        ("http://10.0.0.1/x", False),
        ("not a url", False),
        ("http://[bad/x", False),
    ],
)
def test_loopback_urls(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_test_client_counts_as_loopback_client() -> None:
    assert is_loopback_client("testclient") is True
    assert is_loopback_client("10.0.0.1") is False


# --- SMS parts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM", 0, 1),
        ("a" * 160, "GSM", 160, 1),
        ("a" * 161, "GSM", 161, 2),
        ("a" * 459, "GSM", 459, 3),
        ("a" * 460, "GSM", 460, 4),
        ("{" * 80, "GSM", 160, 1),
        ("{" * 81, "GSM", 162, 2),
        ("é\n@£", "GSM", 4, 1),
        ("ж" * 70, "UNICODE", 70, 1),
        ("ж" * 71, "UNICODE", 71, 2),
        ("a" * 134 + "ж", "UNICODE", 135, 3),
        ("😀", "UNICODE", 2, 1),
    ],
)
def test_count_segments(text: str, encoding: str, units: int, parts: int) -> None:
    counted = count_segments(text)

    assert (counted.encoding, counted.units, counted.parts) == (encoding, units, parts)


def test_is_gsm7() -> None:
    assert is_gsm7("Hello [world] €5")
    assert not is_gsm7("naïve")


# --- clock --------------------------------------------------------------------------------------------------


def test_now_is_aware_utc_and_advance_moves_it() -> None:
    clock = SandboxClock()
    before = clock.now()

    after = clock.advance(3600)

    assert before.tzinfo is timezone.utc
    assert 3600 <= (after - before).total_seconds() < 3605
    assert clock.offset_seconds == 3600


def test_advance_refuses_going_back() -> None:
    with pytest.raises(ValueError, match="forward"):
        SandboxClock().advance(-1)


def test_reset_returns_to_real_time() -> None:
    clock = SandboxClock()
    clock.advance(100)

    clock.reset()

    assert clock.offset_seconds == 0


# --- state store --------------------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StateStore:
    return StateStore(None if request.param == "memory" else str(tmp_path / "s.sqlite"))


def test_load_missing_namespace_is_none(store: StateStore) -> None:
    assert store.load("nothing") is None


def test_save_then_load_and_clear(store: StateStore) -> None:
    store.save("a", {"x": [1, 2], "y": None})
    store.save("a", {"x": [3]})

    assert store.load("a") == {"x": [3]}
    store.clear()
    assert store.load("a") is None


def test_sqlite_survives_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite")
    first = StateStore(path)
    first.save("ns", {"k": "v"})
    first.close()

    assert StateStore(path).load("ns") == {"k": "v"}
    assert StateStore(path).persistent is True
    assert StateStore(None).persistent is False


# --- inboxes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form", ["+61488023555", "61488023555", "%2B61488023555", "%2b61488023555", " +61488023555"]
)
def test_normalize_msisdn(form: str) -> None:
    assert normalize_msisdn(form) == "+61488023555"


def test_deliver_records_at_sandbox_time_and_round_trips() -> None:
    clock = SandboxClock()
    clock.advance(86400)
    inbox = Inbox(clock)
    before = clock.now()

    entry = inbox.deliver(
        "61488023555", body="hi", sender="Acme", vendor="sinch", message_id=None, batch_id="B1"
    )
    copy = Inbox(clock)
    copy.load(inbox.dump())

    assert datetime.fromisoformat(entry.at) >= before
    assert inbox.messages("+61488023555") == [entry]
    assert copy.messages("61488023555") == [entry]
    assert entry.to_json()["from"] == "Acme"
    assert inbox.total() == 1


def test_dirty_flag_and_clear() -> None:
    inbox = Inbox(SandboxClock())
    inbox.deliver("+61488023555", body="x", sender="A", vendor="fonedynamics", message_id="MG1")

    assert inbox.take_dirty() is True
    assert inbox.take_dirty() is False
    inbox.clear()
    assert inbox.total() == 0
    assert inbox.take_dirty() is True


# --- callbacks ----------------------------------------------------------------------------------------------


def _dispatcher(counts: dict[str, int]) -> CallbackDispatcher:
    def count(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + n

    return CallbackDispatcher(count)


def test_post_and_get_callbacks_arrive() -> None:
    counts: dict[str, int] = {}
    dispatcher = _dispatcher(counts)
    with CallbackListener() as listener:
        dispatcher.enqueue(listener.url, {"a": 1, "b": None})
        dispatcher.enqueue(listener.url, {"ok": True, "n": None}, method="get")
        received = listener.wait_for(2)
        dispatcher.close()

    by_method = {r.method: r for r in received}
    assert by_method["POST"].json == {"a": 1, "b": None}
    assert by_method["GET"].query == {"ok": "true", "n": ""}
    assert counts["callbacks_sent"] == 2


def test_non_loopback_is_refused_without_a_request() -> None:
    counts: dict[str, int] = {}
    dispatcher = _dispatcher(counts)

    dispatcher.enqueue("http://192.0.2.1/dlr", {"a": 1})

    assert counts == {"callbacks_refused": 1}
    assert dispatcher.wait_idle(1)


def test_gives_up_after_retries_on_connection_errors() -> None:
    counts: dict[str, int] = {}
    dispatcher = _dispatcher(counts)
    with CallbackListener() as listener:
        dead_url = listener.url
    dispatcher.enqueue(dead_url, {"a": 1})

    assert dispatcher.wait_idle(10)
    assert counts == {"callbacks_retried": 4, "callbacks_failed": 1}


def test_query_value() -> None:
    assert [query_value(v) for v in (None, False, 3, "x")] == ["", "false", "3", "x"]


# --- the context --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msisdn", "outcome"),
    [
        ("+61488023513", "failed"),
        ("61488023599", "no_receipt"),
        ("+61488023555", "delivered"),
        ("+6148802313", "failed"),
    ],
)
def test_outcome_by_number(msisdn: str, outcome: str) -> None:
    assert outcome_for(msisdn) == outcome


def test_tick_runs_tickers_with_now_and_advance_clock_ticks() -> None:
    ctx = SandboxContext(SandboxConfig(seed=1))
    seen: list[datetime] = []
    ctx.add_ticker(seen.append)

    ctx.tick()
    now = ctx.advance_clock(60)

    assert len(seen) == 2
    assert seen[1] == now
    ctx.close()


def test_reset_clears_everything_and_calls_hooks() -> None:
    ctx = SandboxContext(SandboxConfig(seed=1, faults=FaultConfig(latency_ms=5)))
    calls: list[str] = []
    ctx.add_reset_hook(lambda: calls.append("reset"))
    ctx.count("x", 3)
    ctx.advance_clock(10)
    ctx.inbox.deliver("+61488023555", body="b", sender="s", vendor="sinch", message_id=None)

    ctx.reset()

    assert calls == ["reset"]
    assert ctx.counters() == {}
    assert ctx.clock.offset_seconds == 0
    assert ctx.inbox.total() == 0
    assert ctx.faults == FaultConfig()
    ctx.close()


def test_seed_makes_randomness_repeatable() -> None:
    first = SandboxContext(SandboxConfig(seed=5))
    second = SandboxContext(SandboxConfig(seed=5))

    assert [first.rng.random() for _ in range(3)] == [second.rng.random() for _ in range(3)]


def test_counters_add_up() -> None:
    ctx = SandboxContext(SandboxConfig())
    ctx.count("a")
    ctx.count("a", 4)

    assert ctx.counters() == {"a": 5}


def test_fault_config_active() -> None:
    assert FaultConfig().active() is False
    assert FaultConfig(rate_limit_per_s=1).active() is True
