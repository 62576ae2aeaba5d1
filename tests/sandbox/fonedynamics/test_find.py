"""GET /v2/Properties/{sid}/Messages: date window, filters and Results_Count / Results_Skip paging."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, find, sandbox_now, send, send_batch

WIDE = {"Date_From": 0, "Date_To": 2**40}


def test_returns_a_json_array_of_resources_oldest_first(sandbox: SandboxServer) -> None:
    first = send(sandbox, {"From": "Acme", "To": "+61488023555", "Text": "one"}).json()["Message"]
    second = send(sandbox, {"From": "Acme", "To": "+61488023556", "Text": "two"}).json()["Message"]

    found = find(sandbox, **WIDE).json()

    assert [m["MessageSid"] for m in found] == [first["MessageSid"], second["MessageSid"]]


def test_date_to_is_exclusive_and_date_from_inclusive(sandbox: SandboxServer) -> None:
    created = send(sandbox, {"From": "Acme", "To": "+61488023555", "Text": "x"}).json()["Message"]["Created"]

    assert find(sandbox, Date_From=created - 10, Date_To=created).json() == []
    assert len(find(sandbox, Date_From=created, Date_To=created + 1).json()) == 1
    assert find(sandbox, Date_From=created + 1, Date_To=created + 10).json() == []


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"Date_To": 10}, "Date_From", "PARAMETER_REQUIRED"),
        ({"Date_From": 0}, "Date_To", "PARAMETER_REQUIRED"),
        ({"Date_From": "yesterday", "Date_To": 10}, "Date_From", "PARAMETER_INVALID"),
        ({"Date_From": 10, "Date_To": 10}, "Date_To", "PARAMETER_INVALID"),
        ({**WIDE, "Status": "Sent"}, "Status", "PARAMETER_INVALID"),
        ({**WIDE, "Direction": "Outbound"}, "Direction", "PARAMETER_INVALID"),
        ({**WIDE, "Results_Count": 0}, "Results_Count", "PARAMETER_INVALID"),
        ({**WIDE, "Results_Skip": -1}, "Results_Skip", "PARAMETER_INVALID"),
    ],
)
def test_bad_query_is_400_naming_the_parameter(
    sandbox: SandboxServer, params: dict[str, object], field: str, code: str
) -> None:
    response = find(sandbox, **params)

    assert response.status_code == 400
    status = response.json()["ResponseStatus"]
    assert (status["ErrorCode"], status["Errors"][0]["FieldName"]) == (code, field)


def test_status_and_direction_filters(sandbox: SandboxServer) -> None:
    send_batch(
        sandbox,
        [
            {"From": "Acme", "To": "+61488023555", "Text": "ok"},
            {"From": "Acme", "To": "+61488023513", "Text": "fails"},
        ],
    )
    sandbox.advance(1)

    failed = find(sandbox, **WIDE, Status="Failed").json()
    assert [m["To"] for m in failed] == ["+61488023513"]
    assert [m["To"] for m in find(sandbox, **WIDE, Status="delivered").json()] == ["+61488023555"]
    assert len(find(sandbox, **WIDE, Direction="Transmit").json()) == 2
    assert find(sandbox, **WIDE, Direction="Receive").json() == []


def test_pages_default_to_200_and_skip_moves_the_window(sandbox: SandboxServer) -> None:
    sids = [
        r["MessageSid"]
        for r in send_batch(
            sandbox, [{"From": "Acme", "To": f"+6148800{n:04d}", "Text": "p"} for n in range(205)]
        ).json()
    ]

    first_page = find(sandbox, **WIDE).json()
    rest = find(sandbox, **WIDE, Results_Skip=200).json()
    small = find(sandbox, **WIDE, Results_Count=3, Results_Skip=1).json()

    assert [m["MessageSid"] for m in first_page] == sids[:200]
    assert [m["MessageSid"] for m in rest] == sids[200:]
    assert [m["MessageSid"] for m in small] == sids[1:4]


def test_unknown_property_is_404(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}/v2/Properties/PRNOPE/Messages"
    response = requests.get(url, params=WIDE, auth=AUTH, timeout=10)

    assert response.status_code == 404


def test_window_uses_sandbox_time(sandbox: SandboxServer) -> None:
    sandbox.advance(86400)
    created = send(sandbox, {"From": "Acme", "To": "+61488023555", "Text": "x"}).json()["Message"]["Created"]

    assert created >= sandbox_now(sandbox) - 2
    assert find(sandbox, Date_From=created - 3600, Date_To=created + 3600).json()[0]["Created"] == created
