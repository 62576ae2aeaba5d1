from __future__ import annotations

from datetime import timezone

import pytest

from airflow_provider_sms.sandbox.clock import SandboxClock


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
