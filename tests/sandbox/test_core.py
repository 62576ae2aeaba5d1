"""What both vendor APIs share: SMS parts, clock, state store, inboxes, inbound requests, the context."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig
from airflow_provider_sms.sandbox.core import (
    InboundRefused,
    InboundRequest,
    Inbox,
    SandboxClock,
    SandboxContext,
    StateStore,
    check_replay,
    count_segments,
    is_gsm7,
    normalize_msisdn,
    outcome_for,
)

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
    ctx.callbacks.set_repeat(3)
    ctx.callbacks.enqueue("http://192.0.2.1/x", {}, vendor="sinch", kind="mo")

    ctx.reset()

    assert calls == ["reset"]
    assert ctx.counters() == {}
    assert ctx.clock.offset_seconds == 0
    assert ctx.inbox.total() == 0
    assert ctx.faults == FaultConfig()
    assert (ctx.callbacks.records(), ctx.callbacks.repeat) == ([], 1)
    ctx.close()


# --- injected inbound messages ------------------------------------------------------------------------------

REQUEST = InboundRequest(vendor="sinch", sender="+61400000001", to="+61400000100", body="STOP")


def test_inject_inbound_goes_to_the_vendor_handler_with_state_up_to_date() -> None:
    ctx = SandboxContext(SandboxConfig(seed=1))
    ticks: list[datetime] = []
    ctx.add_ticker(ticks.append)
    ctx.add_inbound_handler("sinch", lambda request: {"vendor": "sinch", "body": request.body})

    assert ctx.inject_inbound(REQUEST) == {"vendor": "sinch", "body": "STOP"}
    assert len(ticks) == 1
    ctx.close()


def test_inject_inbound_refuses_a_vendor_not_served() -> None:
    ctx = SandboxContext(SandboxConfig(seed=1))
    ctx.add_inbound_handler("sinch", lambda request: {})

    with pytest.raises(InboundRefused, match="vendor: 'fonedynamics' is not one of sinch") as refused:
        ctx.inject_inbound(InboundRequest(vendor="fonedynamics", sender="+61400000001", to=None, body="x"))
    assert refused.value.status == 400
    ctx.close()


def test_a_replay_must_ask_for_the_same_message() -> None:
    keyed = InboundRequest(vendor="sinch", sender="+61400000001", to=None, body="YES", idempotency_key="k1")

    check_replay(keyed, keyed.fields())
    with pytest.raises(InboundRefused, match="idempotency_key: 'k1' was already used") as refused:
        check_replay(keyed, {**keyed.fields(), "body": "NO"})
    assert refused.value.status == 409


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
