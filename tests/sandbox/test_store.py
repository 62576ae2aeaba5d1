from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_sms.sandbox.store import StateStore


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
