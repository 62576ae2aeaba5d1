"""The vendor sending operations against the sandbox: keys on the wire, lookups, previews, capabilities."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_sms.exceptions import SmsCapabilityError
from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.hooks.sending import ChunkRecipient, SendChunk, SendOptions, render_placeholders
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

CHUNK = SendChunk(
    0,
    "sms-t-abc-c0",
    (ChunkRecipient(0, "+61400000001", {"name": "Ann"}), ChunkRecipient(1, "+61400000002")),
)
OPTIONS = SendOptions(
    body="Hi ${name} ${x}", defaults={"name": "you"}, parameter_keys=frozenset({"name"}), from_="SmsTest"
)


def hook_for(vendor: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SmsHook:  # type: ignore[type-arg]
    conn = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
    monkeypatch.setenv(*connection_env("sms_hook_test", conn))
    return SmsHook.for_connection("sms_hook_test")


def test_render_placeholders_like_sinch() -> None:
    assert render_placeholders("Hi ${name} ${x}", {}, {"name": "you"}, {"name"}) == ("Hi you ${x}", [])
    assert render_placeholders("Hi ${name}", {}, {}, {"name"}) == ("Hi ", ["name"])


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_send_find_and_preview_a_chunk(
    vendor: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = hook_for(vendor, sandbox, monkeypatch)
    hook.validate_chunk(CHUNK, OPTIONS, datetime.now(timezone.utc))
    assert hook.find_chunk(CHUNK.key) is None

    sent = hook.send_chunk(CHUNK, OPTIONS)
    found = hook.find_chunk(CHUNK.key)
    preview = hook.preview_chunk(CHUNK, OPTIONS)
    sandbox.advance(5)

    assert sent.accepted == 2
    assert found is not None
    assert found.batch_id == sent.batch_id
    assert found.found
    assert (preview.recipients, preview.parts) == (2, 2)
    assert [m["body"] for m in sandbox.inbox("+61400000001")] == ["Hi Ann ${x}"]
    assert [m["body"] for m in sandbox.inbox("+61400000002")] == ["Hi you ${x}"]
    if vendor == "fonedynamics":
        assert sent.batch_id.startswith(f"{CHUNK.key}@")


@pytest.mark.parametrize(
    ("vendor", "option"),
    [("fonedynamics", {"flash_message": True}), ("sinch", {"forward_to_sms": "+61400000009"})],
)
def test_options_the_vendor_lacks_are_capability_errors(
    vendor: str, option: dict[str, object], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = hook_for(vendor, sandbox, monkeypatch)
    hook.check_send_options(OPTIONS)
    with pytest.raises(SmsCapabilityError, match=f"{hook.vendor} has no API to set {next(iter(option))}"):
        hook.check_send_options(SendOptions(body="x", **option))  # type: ignore[arg-type]
