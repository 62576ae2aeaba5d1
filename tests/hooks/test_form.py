"""One form spec, two renderings: conn-fields (Airflow 3.2+) and wtforms widgets (Airflow 3.1)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from airflow_provider_sms.hooks._form import (
    FONEDYNAMICS_CONN_TYPE,
    FONEDYNAMICS_FORM,
    FONEDYNAMICS_HOOK_NAME,
    SINCH_CONN_TYPE,
    SINCH_FORM,
    SINCH_HOOK_NAME,
    WEBHOOK_FIELD_NAMES,
    ConnectionForm,
    FormField,
)
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.models.sms import SINCH_AUTH_TYPES, SINCH_REGIONS
from tests.hooks.conftest import SetConnection


class FakeField:
    """Records how a wtforms field class was called."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        self.field_class = type(self)
        self.label = label
        self.kwargs = kwargs


class FakeAnyOf:
    def __init__(self, values: list[str]) -> None:
        self.values = values


class FakeOptional:
    pass


@pytest.fixture
def fake_wtforms(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Stand-ins for the wtforms names Airflow 3.1 accepts (wtforms itself is not installed here)."""
    wtforms = types.ModuleType("wtforms")
    validators = types.ModuleType("wtforms.validators")
    for name in ("StringField", "IntegerField", "BooleanField", "PasswordField"):
        setattr(wtforms, name, type(name, (FakeField,), {}))
    validators.Optional = FakeOptional  # type: ignore[attr-defined]
    validators.any_of = FakeAnyOf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wtforms", wtforms)
    monkeypatch.setitem(sys.modules, "wtforms.validators", validators)
    return wtforms


def test_conn_field_of_a_choice() -> None:
    field = FormField(name="region", label="Region", description="Where", choices=("us", "eu"), default="us")

    assert field.conn_field() == {
        "label": "Region",
        "description": "Where",
        "schema": {"type": ["string", "null"], "enum": ["us", "eu"], "default": "us"},
    }


def test_conn_field_of_a_number_and_a_secret() -> None:
    count = FormField(name="n", label="N", description="d", kind="integer", default=3, minimum=0)
    secret = FormField(name="client_secret", label="S", description="d", kind="password")

    assert count.conn_field()["schema"] == {"type": ["integer", "null"], "default": 3, "minimum": 0}
    assert secret.conn_field()["schema"] == {"type": ["string", "null"], "format": "password"}


def test_widget_uses_the_field_class_of_its_kind(fake_wtforms: types.ModuleType) -> None:
    kinds = {
        "string": "StringField",
        "integer": "IntegerField",
        "boolean": "BooleanField",
        "password": "PasswordField",
    }

    for kind, class_name in kinds.items():
        widget = FormField(name="x", label="X", description="d", kind=kind).widget()  # type: ignore[arg-type]
        assert widget.field_class is getattr(fake_wtforms, class_name)


def test_widget_of_a_choice_carries_label_default_and_allowed_values(fake_wtforms: types.ModuleType) -> None:
    widget = FormField(
        name="region", label="Region", description="Where", choices=("us", "eu"), default="us"
    ).widget()

    assert (widget.label, widget.kwargs["description"], widget.kwargs["default"]) == ("Region", "Where", "us")
    optional, allowed = widget.kwargs["validators"]
    assert isinstance(optional, FakeOptional)
    assert allowed.values == ["us", "eu"]


@pytest.mark.parametrize(
    ("hook_class", "form"),
    [(SinchHook, SINCH_FORM), (FoneDynamicsHook, FONEDYNAMICS_FORM)],
)
def test_both_renderings_offer_the_same_fields(
    fake_wtforms: types.ModuleType, hook_class: type[SinchHook] | type[FoneDynamicsHook], form: ConnectionForm
) -> None:
    widgets = hook_class.get_connection_form_widgets()
    conn_fields = form.conn_fields()

    assert list(widgets) == list(conn_fields)
    for name, widget in widgets.items():
        assert widget.label == conn_fields[name]["label"]
        assert widget.kwargs["default"] == conn_fields[name]["schema"].get("default")
    assert hook_class.get_ui_field_behaviour() == form.legacy_ui_field_behaviour()


def test_placeholders_join_standard_and_extra_fields() -> None:
    form = ConnectionForm(
        fields=(FormField(name="region", label="R", description="d", placeholder="us"),),
        hidden_fields=("port",),
        relabeling={"login": "Account"},
        placeholders={"login": "AC..."},
    )

    assert form.ui_field_behaviour() == {
        "hidden-fields": ["port"],
        "relabeling": {"login": "Account"},
        "placeholders": {"login": "AC...", "region": "us"},
    }
    assert form.legacy_ui_field_behaviour() == {
        "hidden_fields": ["port"],
        "relabeling": {"login": "Account"},
        "placeholders": {"login": "AC...", "region": "us"},
    }


def test_field_named_finds_or_fails() -> None:
    assert SINCH_FORM.field_named("timeout").default == 30
    with pytest.raises(KeyError):
        SINCH_FORM.field_named("nope")


def test_each_hook_registers_under_its_forms_connection_type_and_name() -> None:
    assert (SinchHook.conn_type, SinchHook.hook_name) == (SINCH_CONN_TYPE, SINCH_HOOK_NAME)
    assert (FoneDynamicsHook.conn_type, FoneDynamicsHook.hook_name) == (
        FONEDYNAMICS_CONN_TYPE,
        FONEDYNAMICS_HOOK_NAME,
    )


def test_sinch_choices_come_from_the_clients_one_table() -> None:
    assert SINCH_FORM.field_named("region").choices == SINCH_REGIONS
    assert SINCH_FORM.field_named("auth_type").choices == SINCH_AUTH_TYPES
    assert SINCH_FORM.field_named("auth_type").default == "api_token"


#: A value for every ``extra`` field of each form, as the hook's settings (or its send limits) hold it.
FORM_VALUES = {
    SINCH_CONN_TYPE: {
        "region": "eu",
        "auth_type": "oauth2",
        "project_id": "proj1",
        "auth_url": "http://127.0.0.1:8080/token",
        "default_from": "Acme",
        "has_default_originator": True,
        "timeout": 7.0,
        "max_retries": 1,
        "max_retry_wait": 30.0,
        "max_concurrent_requests": 2,
        "max_recipients_per_second": 500,
        "allow_insecure_http": True,
    },
    FONEDYNAMICS_CONN_TYPE: {
        "property_sid": "PR9",
        "default_from": "Acme",
        "timeout": 7.0,
        "max_retries": 1,
        "max_retry_wait": 30.0,
        "max_concurrent_requests": 2,
        "max_recipients_per_second": 500,
        "allow_insecure_http": True,
    },
}


@pytest.mark.parametrize(
    ("hook_class", "form"), [(SinchHook, SINCH_FORM), (FoneDynamicsHook, FONEDYNAMICS_FORM)]
)
def test_every_extra_field_of_a_form_reaches_the_hooks_settings(
    set_connection: SetConnection, hook_class: type[SinchHook] | type[FoneDynamicsHook], form: ConnectionForm
) -> None:
    values = FORM_VALUES[hook_class.conn_type]
    conn_id = set_connection("form", hook_class.conn_type, login="id1", password="secret-1", extra=values)

    hook = hook_class(sms_conn_id=conn_id)
    settings, limits = hook.settings, hook.send_limits._asdict()

    hook_fields = [f.name for f in form.fields if f.name not in WEBHOOK_FIELD_NAMES]
    assert {f: limits[f] if f in limits else getattr(settings, f) for f in hook_fields} == values


@pytest.mark.parametrize("form", [SINCH_FORM, FONEDYNAMICS_FORM])
def test_webhook_secrets_are_password_fields_the_receiver_reads(form: ConnectionForm) -> None:
    from airflow_provider_sms.plugins import webhooks

    names = {f.name for f in form.fields} & WEBHOOK_FIELD_NAMES
    assert names == (
        {"webhook_secret", "webhook_signing_secret"} if form is SINCH_FORM else {"webhook_secret"}
    )
    assert {form.field_named(name).kind for name in names} == {"password"}
    assert {webhooks.WEBHOOK_SECRET, webhooks.SIGNING_SECRET} == WEBHOOK_FIELD_NAMES
