"""The Sinch service: authentication, and ticks that do work only for batches with a change due."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_mock import MockerFixture

from airflow_provider_sms.sandbox import sinch
from airflow_provider_sms.sandbox.core import SandboxContext
from airflow_provider_sms.sandbox.sinch import (
    Credentials,
    OAuthError,
    SinchService,
    check_bearer,
    issue_access_token,
)
from airflow_provider_sms.sandbox.sinch_requests import SinchApiError
from tests.sandbox.sinch.helpers import CONFIG, DELIVERY_DELAY_S

# --- authentication -----------------------------------------------------------------------------------------

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
CREDENTIALS = Credentials("plan", "plan-token", "project", "key", "key-secret", 60)
FORM = "application/x-www-form-urlencoded"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_static_token_is_valid_only_for_the_service_plan() -> None:
    check_bearer(CREDENTIALS, {}, "plan", "Bearer plan-token", T0)
    with pytest.raises(SinchApiError) as caught:
        check_bearer(CREDENTIALS, {}, "project", "Bearer plan-token", T0)
    assert caught.value.status == 401


@pytest.mark.parametrize("header", [None, "plan-token", "Basic cGxhbg==", "Bearer "])
def test_missing_or_malformed_header_is_401_with_a_challenge(header: str | None) -> None:
    with pytest.raises(SinchApiError) as caught:
        check_bearer(CREDENTIALS, {}, "plan", header, T0)
    assert caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"].startswith("Bearer")


def test_issued_token_works_for_the_project_until_it_expires() -> None:
    tokens: dict[str, datetime] = {}
    response = issue_access_token(
        CREDENTIALS, tokens, basic("key", "key-secret"), FORM, b"grant_type=client_credentials", T0
    )
    assert response["expires_in"] == 60
    assert response["token_type"] == "bearer"
    header = f"Bearer {response['access_token']}"
    check_bearer(CREDENTIALS, tokens, "project", header, T0 + timedelta(seconds=59))
    with pytest.raises(SinchApiError) as caught:
        check_bearer(CREDENTIALS, tokens, "project", header, T0 + timedelta(seconds=60))
    challenge = caught.value.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert "Jwt expired at 2026-05-01T09:01:00.000Z" in challenge


def test_token_endpoint_rejects_wrong_credentials_and_grant() -> None:
    with pytest.raises(OAuthError) as wrong:
        issue_access_token(CREDENTIALS, {}, basic("key", "nope"), FORM, b"grant_type=client_credentials", T0)
    assert (wrong.value.status, wrong.value.error) == (401, "invalid_client")
    with pytest.raises(OAuthError) as grant:
        issue_access_token(CREDENTIALS, {}, basic("key", "key-secret"), FORM, b"grant_type=password", T0)
    assert (grant.value.status, grant.value.error) == (400, "unsupported_grant_type")


def test_credentials_repr_hides_secrets() -> None:
    assert "plan-token" not in repr(CREDENTIALS)
    assert "key-secret" not in repr(CREDENTIALS)


# --- A tick of the Sinch service does work for the batches that have a change due, not for all state --------


@pytest.fixture
def service() -> Iterator[SinchService]:
    ctx = SandboxContext(CONFIG)
    yield SinchService(ctx)
    ctx.close()


def send(service: SinchService, hours_ahead: float = 0, **fields: Any) -> str:
    send_at = service.ctx.clock.now() + timedelta(hours=hours_ahead)
    body = {"to": ["+61400000001", "+61400000099"], "from": "Acme", "body": "Hi", **fields}
    if hours_ahead:
        body["send_at"] = send_at.isoformat()
    batch_id: str = service.create(body)["id"]
    return batch_id


def test_a_tick_advances_only_the_batches_with_a_change_due(
    service: SinchService, mocker: MockerFixture
) -> None:
    later = [send(service, hours_ahead=h) for h in (1, 2, 3)]
    spy = mocker.spy(sinch, "advance")

    service.tick(service.ctx.clock.now())
    assert spy.call_count == 0

    service.ctx.clock.advance(3600)
    service.tick(service.ctx.clock.now())
    assert [call.args[0].id for call in spy.call_args_list] == [later[0]]


def test_settled_batches_leave_the_schedule(service: SinchService) -> None:
    batch_id = send(service)
    assert batch_id in service.due
    service.ctx.clock.advance(DELIVERY_DELAY_S)
    service.tick(service.ctx.clock.now())
    assert batch_id in service.due  # the +...99 recipient waits for its expiry

    service.ctx.clock.advance(3 * 24 * 3600)
    service.tick(service.ctx.clock.now())
    assert batch_id not in service.due
    assert service.state.batches[batch_id].all_final()


def test_a_cancelled_batch_leaves_the_schedule(service: SinchService) -> None:
    batch_id = send(service, hours_ahead=1)
    service.cancel(batch_id)
    assert batch_id not in service.due


def test_an_update_moves_the_due_time(service: SinchService, mocker: MockerFixture) -> None:
    batch_id = send(service, hours_ahead=1)
    later = service.ctx.clock.now() + timedelta(hours=5)
    service.update(batch_id, {"send_at": later.isoformat()})
    spy = mocker.spy(sinch, "advance")

    service.ctx.clock.advance(3600)
    service.tick(service.ctx.clock.now())
    assert spy.call_count == 0
    service.ctx.clock.advance(4 * 3600)
    service.tick(service.ctx.clock.now())
    assert service.state.batches[batch_id].dispatched


def test_reset_forgets_the_schedule(service: SinchService) -> None:
    send(service, hours_ahead=1)
    service.ctx.reset()
    assert len(service.due) == 0
    assert service.state.batches == {}
