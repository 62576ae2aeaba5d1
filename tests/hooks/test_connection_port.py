"""The optional port of an SMS connection: the port requests go to, or empty (docs/connections.md)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook
from tests.hooks.conftest import FD_ACCOUNT, FD_TOKEN, SINCH_PLAN, SINCH_TOKEN, SetConnection


def sinch(set_connection: SetConnection, **fields: Any) -> SinchHook:
    return SinchHook(
        sms_conn_id=set_connection("sms", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, **fields)
    )


@pytest.mark.parametrize(
    ("host", "port"),
    [(None, None), (None, 0), (None, 443), ("http://127.0.0.1:8025", 8025), ("http://proxy.example", 80)],
)
def test_port_may_be_the_port_requests_go_to(
    set_connection: SetConnection, host: str | None, port: int | None
) -> None:
    # Plain http to another machine needs allow_insecure_http (docs/connections.md, "Plain http").
    hook = sinch(set_connection, host=host, port=port, extra={"allow_insecure_http": True})

    assert hook.settings.base_url == host


@pytest.mark.parametrize(
    ("host", "port", "rule"),
    [
        (None, 8025, "port='8025': must be 443 (the vendor's HTTPS port) or empty"),
        ("http://127.0.0.1:8025", 443, "port='443': must be 8025 (the Base URL override's port) or empty"),
    ],
)
def test_port_rejects_another_port(
    set_connection: SetConnection, host: str | None, port: int, rule: str
) -> None:
    with pytest.raises(SmsValidationError) as raised:
        _ = sinch(set_connection, host=host, port=port).settings

    assert str(raised.value).startswith("Invalid Sinch connection 'sms', nothing was sent: ")
    assert [str(problem) for problem in raised.value.problems] == [rule]


def test_port_problem_is_reported_with_the_other_problems(set_connection: SetConnection) -> None:
    conn_id = set_connection(
        "fd", "fonedynamics", login=FD_ACCOUNT, password="", host="http://127.0.0.1:8025", port=8026
    )

    with pytest.raises(SmsValidationError) as raised:
        _ = FoneDynamicsHook(sms_conn_id=conn_id).settings

    problems = [str(problem) for problem in raised.value.problems]
    assert "port='8026': must be 8025 (the Base URL override's port) or empty" in problems
    assert len(problems) == 2, problems
    assert FD_TOKEN not in str(raised.value)
