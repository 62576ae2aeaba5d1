"""The Sinch state is saved per batch, only what changed, and survives a restart with a state file."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from airflow_provider_sms.sandbox.context import outcome_for
from airflow_provider_sms.sandbox.sinch.content import parse_content
from airflow_provider_sms.sandbox.sinch.lifecycle import advance
from airflow_provider_sms.sandbox.sinch.persistence import NAMESPACE, SinchPersistence, batch_namespace
from airflow_provider_sms.sandbox.sinch.state import Batch, SinchState, queued_recipients
from airflow_provider_sms.sandbox.store import StateStore
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import CONFIG, DELIVERY_DELAY_S, SinchApi

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


class RecordingStore(StateStore):
    """An in-memory store that remembers which namespaces were written."""

    def __init__(self) -> None:
        super().__init__(None)
        self.written: list[str] = []

    def save(self, namespace: str, data: dict[str, Any]) -> None:
        self.written.append(namespace)
        super().save(namespace, data)


def make_batch(batch_id: str) -> Batch:
    content = parse_content({"to": ["+61400000001", "+61400000013"], "from": "Acme", "body": "Hi"}, T0)
    return Batch(batch_id, content, T0, T0, T0, queued_recipients(content.to, T0))


def test_only_changed_batches_are_written() -> None:
    store = RecordingStore()
    persistence = SinchPersistence(store)
    state = SinchState(batches={"B1": make_batch("B1"), "B2": make_batch("B2")})
    persistence.batch_changed("B1", new=True)
    persistence.batch_changed("B2", new=True)
    persistence.save(state)
    assert store.written == [batch_namespace("B1"), batch_namespace("B2"), NAMESPACE]

    store.written.clear()
    persistence.save(state)
    assert store.written == []

    advance(state.batches["B2"], T0, 2.0, outcome_for)
    persistence.batch_changed("B2")
    persistence.save(state)
    assert store.written == [batch_namespace("B2")]

    restored = SinchPersistence(store).load()
    assert list(restored.batches) == ["B1", "B2"]
    assert restored.batches["B2"].recipients == state.batches["B2"].recipients


def test_tokens_are_saved_in_the_index() -> None:
    store = RecordingStore()
    persistence = SinchPersistence(store)
    persistence.tokens_changed()
    persistence.save(SinchState(tokens={"tok": T0}))

    assert store.written == [NAMESPACE]
    assert SinchPersistence(store).load().tokens == {"tok": T0}


def test_forget_drops_pending_changes() -> None:
    store = RecordingStore()
    persistence = SinchPersistence(store)
    persistence.batch_changed("B1", new=True)
    persistence.forget()
    persistence.save(SinchState())

    assert store.written == []
    assert SinchPersistence(store).load() == SinchState()


def test_the_older_whole_state_layout_is_read_and_rewritten(tmp_path: Path) -> None:
    store = StateStore(str(tmp_path / "old.sqlite"))
    batch = make_batch("B1")
    store.save(NAMESPACE, SinchState(batches={"B1": batch}, tokens={"tok": T0}).dump())

    persistence = SinchPersistence(store)
    state = persistence.load()
    assert state.batches == {"B1": batch}
    assert state.tokens == {"tok": T0}
    persistence.save(state)
    assert "batches" not in (store.load(NAMESPACE) or {})
    assert SinchPersistence(store).load() == state


def test_sinch_state_survives_a_restart(tmp_path: Path) -> None:
    config = replace(CONFIG, state_file=str(tmp_path / "sandbox.sqlite"))
    auth = (config.sinch_key_id, config.sinch_key_secret)
    with SandboxServer(config) as first:
        api = SinchApi(first.url, config.sinch_service_plan_id, config.sinch_api_token)
        sent = api.send(to=["+61488023555", "+61488023513"], **{"from": "Acme"}, body="before")
        send_at = first.ctx.clock.now() + timedelta(hours=2)
        scheduled = api.send(
            to=["+61488023556"], **{"from": "Acme"}, body="later", send_at=send_at.isoformat()
        )
        first.advance(DELIVERY_DELAY_S)
        delivered = api.statuses(sent["id"])
        token_body = {"grant_type": "client_credentials"}
        token = requests.post(f"{first.url}/oauth2/token", auth=auth, data=token_body, timeout=10).json()

    assert delivered == {"+61488023555": ("Delivered", 0), "+61488023513": ("Failed", 1)}
    with SandboxServer(config) as second:
        api = SinchApi(second.url, config.sinch_service_plan_id, config.sinch_api_token)
        assert api.statuses(sent["id"]) == delivered
        assert api.request("GET", f"/batches/{sent['id']}").json() == sent
        assert [m["body"] for m in second.inbox("+61488023555")] == ["before"]
        assert api.statuses(scheduled["id"]) == {"+61488023556": ("Queued", 400)}
        project = SinchApi(second.url, config.sinch_project_id, token["access_token"])
        assert project.request("GET", "/batches").status_code == 200

        second.advance(2 * 3600 + DELIVERY_DELAY_S)
        assert api.statuses(scheduled["id"]) == {"+61488023556": ("Delivered", 0)}
        assert [m["body"] for m in second.inbox("+61488023556")] == ["later"]
