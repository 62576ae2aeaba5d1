"""A tick of the Sinch service does work for the batches that have a change due, not for all state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pytest_mock import MockerFixture

from airflow_provider_sms.sandbox.context import SandboxContext
from airflow_provider_sms.sandbox.sinch import service as service_module
from airflow_provider_sms.sandbox.sinch.service import SinchService
from tests.sandbox.sinch.helpers import CONFIG, DELIVERY_DELAY_S


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
    spy = mocker.spy(service_module, "advance")

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
    spy = mocker.spy(service_module, "advance")

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
