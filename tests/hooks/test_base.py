"""SmsHook: dispatch by connection type, capabilities, one connection lookup, redaction."""

from __future__ import annotations

import pytest

from airflow_provider_sms.exceptions import SmsCapabilityError, SmsValidationError
from airflow_provider_sms.hooks.base import ALL_CAPABILITIES, SmsHook
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook
from tests.hooks.conftest import FD_TOKEN, SINCH_TOKEN, SetConnection


def test_for_connection_returns_the_sinch_hook(sinch_token_conn: str) -> None:
    hook = SmsHook.for_connection(sinch_token_conn)

    assert type(hook) is SinchHook
    assert hook.sms_conn_id == sinch_token_conn
    assert hook.vendor == "Sinch"


def test_for_connection_returns_the_fonedynamics_hook(fonedynamics_conn: str) -> None:
    hook = SmsHook.for_connection(fonedynamics_conn)

    assert type(hook) is FoneDynamicsHook
    assert hook.default_from == "+61400000001"


def test_for_connection_looks_the_connection_up_once(
    sinch_token_conn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    original = SmsHook.get_connection.__func__

    def counting(cls: type[SmsHook], conn_id: str) -> object:
        lookups.append(conn_id)
        return original(cls, conn_id)

    monkeypatch.setattr(SmsHook, "get_connection", classmethod(counting))

    SmsHook.for_connection(sinch_token_conn).get_conn()

    assert lookups == [sinch_token_conn]


def test_for_connection_rejects_other_connection_types(set_connection: SetConnection) -> None:
    conn_id = set_connection("web", "http", host="example.com", password=SINCH_TOKEN)

    with pytest.raises(SmsValidationError) as raised:
        SmsHook.for_connection(conn_id)

    assert str(raised.value) == (
        "Invalid SMS connection 'web', nothing was sent: conn_type='http': must be one of fonedynamics, sinch"
    )


def test_for_connection_on_a_vendor_hook_accepts_only_its_type(fonedynamics_conn: str) -> None:
    with pytest.raises(SmsValidationError, match=r"conn_type='fonedynamics': must be one of sinch$"):
        SinchHook.for_connection(fonedynamics_conn)


def test_base_hook_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        SmsHook(sms_conn_id="any")


def test_registration_attributes() -> None:
    assert SmsHook.conn_name_attr == "sms_conn_id"
    assert (SinchHook.conn_type, SinchHook.default_conn_name, SinchHook.hook_name) == (
        "sinch",
        "sinch_default",
        "Sinch SMS",
    )
    assert (FoneDynamicsHook.conn_type, FoneDynamicsHook.default_conn_name, FoneDynamicsHook.hook_name) == (
        "fonedynamics",
        "fonedynamics_default",
        "Fone Dynamics",
    )


def test_capabilities() -> None:
    assert SinchHook.capabilities == ALL_CAPABILITIES
    assert ALL_CAPABILITIES - FoneDynamicsHook.capabilities == {"replace", "update", "cancel", "feedback"}


def test_require_names_vendor_and_operation(fonedynamics_conn: str) -> None:
    with pytest.raises(SmsCapabilityError) as raised:
        FoneDynamicsHook(sms_conn_id=fonedynamics_conn).require("cancel")

    assert str(raised.value) == "Fone Dynamics has no API to cancel a batch; no request was made"
    assert (raised.value.vendor, raised.value.capability) == ("Fone Dynamics", "cancel a batch")


def test_require_passes_for_every_sinch_capability(sinch_token_conn: str) -> None:
    hook = SinchHook(sms_conn_id=sinch_token_conn)

    for capability in sorted(ALL_CAPABILITIES):
        hook.require(capability)


def test_require_rejects_an_unknown_capability(sinch_token_conn: str) -> None:
    with pytest.raises(ValueError, match="unknown capability 'teleport'; known: cancel, delivery_reports"):
        SinchHook(sms_conn_id=sinch_token_conn).require("teleport")


def test_test_connection_never_shows_the_password(
    fonedynamics_conn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = FoneDynamicsHook(sms_conn_id=fonedynamics_conn)

    def leaky_probe() -> str:
        raise RuntimeError(f"proxy refused credentials {FD_TOKEN}")

    monkeypatch.setattr(hook, "_probe", leaky_probe)
    hook.get_conn()

    ok, message = hook.test_connection()

    assert ok is False
    assert message == "Fone Dynamics connection test failed: proxy refused credentials ***"
