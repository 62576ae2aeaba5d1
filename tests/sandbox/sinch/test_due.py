from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow_provider_sms.sandbox.sinch.due import DueIndex

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


def test_only_batches_due_by_now_are_taken_in_id_order() -> None:
    index = DueIndex()
    index.set("B3", T0)
    index.set("B1", T0 + timedelta(seconds=1))
    index.set("B2", T0 + timedelta(hours=1))

    assert index.take_due(T0 - timedelta(seconds=1)) == []
    assert index.take_due(T0 + timedelta(seconds=1)) == ["B1", "B3"]
    assert "B2" in index
    assert len(index) == 1
    assert index.take_due(T0 + timedelta(seconds=2)) == []


def test_a_new_time_supersedes_the_old_one() -> None:
    index = DueIndex()
    index.set("B1", T0)
    index.set("B1", T0 + timedelta(hours=1))

    assert index.take_due(T0 + timedelta(minutes=1)) == []
    assert index.take_due(T0 + timedelta(hours=1)) == ["B1"]


def test_an_earlier_time_is_taken_once() -> None:
    index = DueIndex()
    index.set("B1", T0 + timedelta(hours=1))
    index.set("B1", T0)

    assert index.take_due(T0) == ["B1"]
    assert index.take_due(T0 + timedelta(hours=2)) == []


def test_none_and_clear_forget_batches() -> None:
    index = DueIndex()
    index.set("B1", T0)
    index.set("B2", T0)
    index.set("B1", None)

    assert "B1" not in index
    assert index.take_due(T0) == ["B2"]
    index.set("B3", T0)
    index.clear()
    assert len(index) == 0
    assert index.take_due(T0 + timedelta(days=1)) == []
