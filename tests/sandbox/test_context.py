from __future__ import annotations

from datetime import datetime

import pytest

from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig
from airflow_provider_sms.sandbox.context import SandboxContext, outcome_for


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
