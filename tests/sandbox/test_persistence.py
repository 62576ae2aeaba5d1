"""With a state file, messages, inboxes, leases and the clock offset survive a restart."""

from __future__ import annotations

from pathlib import Path

import requests

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, get, send


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(port=0, delivery_delay=0.5, seed=7, state_file=str(tmp_path / "sandbox.sqlite"))
    with SandboxServer(config) as first:
        delivered = send(first, {"From": "Acme", "To": "+61488023555", "Text": "before"}).json()["Message"]
        leased = send(first, {"To": "+61488023556", "Text": "leased"}).json()["Message"]
        scheduled_at = int(first.ctx.clock.now().timestamp()) + 7200
        later = {"From": "Acme", "To": "+61488023557", "Text": "later", "Schedule": scheduled_at}
        scheduled = send(first, later)
        first.advance(60)
        assert get(first, delivered["MessageSid"])["Status"] == "Delivered"

    with SandboxServer(config) as second:
        assert get(second, delivered["MessageSid"])["Status"] == "Delivered"
        assert get(second, leased["MessageSid"])["From"] == leased["From"]
        assert second.ctx.clock.offset_seconds == 60
        assert [m["body"] for m in second.inbox("+61488023555")] == ["before"]
        scheduled_sid = scheduled.json()["Message"]["MessageSid"]
        assert get(second, scheduled_sid)["Status"] == "Processing"
        second.advance(7200)
        assert get(second, scheduled_sid)["Status"] == "Delivered"


def test_without_a_state_file_a_restart_starts_empty(tmp_path: Path) -> None:
    with SandboxServer(SandboxConfig(port=0, seed=7)) as first:
        created = send(first, {"From": "Acme", "To": "+61488023555", "Text": "gone"})
        sid = created.json()["Message"]["MessageSid"]

    with SandboxServer(SandboxConfig(port=0, seed=8)) as second:
        response = requests.get(f"{second.url}/v2/Messages/{sid}", auth=AUTH, timeout=10)

    assert response.status_code == 404


def test_inbound_messages_and_their_keys_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(port=0, seed=7, state_file=str(tmp_path / "sandbox.sqlite"))
    sinch_auth = {"Authorization": f"Bearer {config.sinch_api_token}"}
    with SandboxServer(config) as first:
        sinch = first.inject_inbound(
            "sinch", sender="+61400000001", to="76543", body="STOP", idempotency_key="s"
        )
        fone = first.inject_inbound(
            "fonedynamics", sender="+61488023555", to="+61299990000", body="STOP", idempotency_key="f"
        )

    with SandboxServer(config) as second:
        url = f"{second.url}/xms/v1/{config.sinch_service_plan_id}/inbounds/{sinch['id']}"
        assert requests.get(url, headers=sinch_auth, timeout=10).json() == sinch["inbound"]
        assert get(second, fone["id"]) == fone["inbound"]
        again = second.inject_inbound(
            "sinch", sender="+61400000001", to="76543", body="STOP", idempotency_key="s"
        )
        assert (again["id"], again["created"]) == (sinch["id"], False)
        replayed = second.inject_inbound(
            "fonedynamics", sender="+61488023555", to="+61299990000", body="STOP", idempotency_key="f"
        )
        assert (replayed["id"], replayed["created"]) == (fone["id"], False)
