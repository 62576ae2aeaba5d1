"""SmsHook: dispatch by connection type, one answer per feature, send options, the neutral types."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import get_args

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsCapabilityError, SmsValidationError
from airflow_provider_sms.hooks import sms as sms_module
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.hooks.sms import (
    FEATURE_WORDS,
    HOOK_CLASS_PATHS,
    ChunkRecipient,
    Feature,
    SendChunk,
    SendOptions,
    SmsHook,
    failing_without_retry,
    render_placeholders,
    unknown_keys,
)
from airflow_provider_sms.hooks.tracking import (
    NOT_YET_REPORTED,
    BatchStatus,
    KeyedBatch,
    RecipientState,
    StatusCount,
    batch_id_list,
    best_states,
    only_recipients,
)
from airflow_provider_sms.models.fonedynamics import FoneMessageRequest
from airflow_provider_sms.models.sinch import SinchTextBatchRequest
from airflow_provider_sms.models.sms import MessageState, NeutralStatus, SegmentInfo, count_parts, from_sinch
from airflow_provider_sms.sandbox.testing import SandboxServer
from airflow_provider_sms.version_compat import AirflowFailException
from tests.hooks.conftest import FD_TOKEN, SINCH_TOKEN, SetConnection

HOOK_CLASSES: list[type[SmsHook]] = [SinchHook, FoneDynamicsHook]
#: Features a vendor may lack, each with the ``SmsHook`` method its vendor hook must then implement.
LIFECYCLE_FEATURES = {
    "replace": "plan_replace",
    "update": "plan_update",
    "cancel": "plan_cancel",
    "feedback": "plan_feedback",
}

# -- dispatch by connection type --------------------------------------------------------------------------


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
    original = SmsHook.get_connection.__func__  # type: ignore[attr-defined]

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


@pytest.mark.parametrize("hook_class", HOOK_CLASSES)
def test_the_class_path_table_names_each_hook_under_its_connection_type(hook_class: type[SmsHook]) -> None:
    module_name, _, class_name = HOOK_CLASS_PATHS[hook_class.conn_type].rpartition(".")

    assert getattr(importlib.import_module(module_name), class_name) is hook_class


def test_the_class_path_table_holds_only_the_vendor_hooks() -> None:
    assert sorted(HOOK_CLASS_PATHS) == sorted(c.conn_type for c in HOOK_CLASSES)


def test_base_hook_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        SmsHook(sms_conn_id="any")  # type: ignore[abstract]


def test_a_vendor_hook_missing_a_neutral_operation_cannot_be_built() -> None:
    class Incomplete(FoneDynamicsHook):
        batch_status = SmsHook.batch_status

    with pytest.raises(TypeError, match=r"abstract method.*batch_status"):
        Incomplete(sms_conn_id="any")  # type: ignore[abstract]


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
        "Fone Dynamics SMS",
    )


def test_the_former_module_still_gives_the_hook_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "airflow_provider_sms.hooks.base", raising=False)

    with pytest.warns(
        DeprecationWarning, match=r"hooks\.base is deprecated; import SmsHook from .*hooks\.sms"
    ):
        from airflow_provider_sms.hooks.base import SmsHook as FormerSmsHook

    assert FormerSmsHook is SmsHook


# -- features: the one answer to "can this vendor do X?" --------------------------------------------------


def test_every_feature_has_its_words_and_each_hook_claims_only_known_features() -> None:
    assert set(get_args(Feature)) == set(FEATURE_WORDS)
    for hook_class in HOOK_CLASSES:
        assert hook_class.features <= set(FEATURE_WORDS), hook_class.__name__


def test_features_of_each_vendor() -> None:
    assert SinchHook.features == set(FEATURE_WORDS)
    assert set(FEATURE_WORDS) - FoneDynamicsHook.features == {
        "replace",
        "update",
        "cancel",
        "feedback",
        "expire_at",
    }


@pytest.mark.parametrize("hook_class", HOOK_CLASSES)
@pytest.mark.parametrize("feature", sorted(FEATURE_WORDS))
def test_supports_and_require_give_the_same_answer(hook_class: type[SmsHook], feature: Feature) -> None:
    hook = hook_class(sms_conn_id="unused")

    if hook.supports(feature):
        assert feature in hook_class.features
        hook.require(feature)
    else:
        assert feature not in hook_class.features
        with pytest.raises(SmsCapabilityError) as raised:
            hook.require(feature)
        assert raised.value.capability == FEATURE_WORDS[feature]


@pytest.mark.parametrize("hook_class", HOOK_CLASSES)
def test_every_feature_a_hook_claims_is_implemented_and_no_other(hook_class: type[SmsHook]) -> None:
    for feature, method in LIFECYCLE_FEATURES.items():
        overridden = getattr(hook_class, method) is not getattr(SmsHook, method)
        assert overridden == (feature in hook_class.features), f"{hook_class.__name__}.{method}"
    changes_batches = bool(hook_class.features & set(LIFECYCLE_FEATURES))
    assert (hook_class.apply_change is not SmsHook.apply_change) == changes_batches
    assert not getattr(hook_class, "__abstractmethods__", None)


def test_require_names_vendor_and_operation(fonedynamics_conn: str) -> None:
    with pytest.raises(SmsCapabilityError) as raised:
        FoneDynamicsHook(sms_conn_id=fonedynamics_conn).require("cancel")

    assert str(raised.value) == "Fone Dynamics has no API to cancel a batch; no request was made"
    assert (raised.value.vendor, raised.value.capability) == ("Fone Dynamics", "cancel a batch")


def test_require_of_expire_at_says_what_expire_at_is(fonedynamics_conn: str) -> None:
    with pytest.raises(
        SmsCapabilityError, match=r"^Fone Dynamics has no API to set expire_at \(when to stop"
    ):
        FoneDynamicsHook(sms_conn_id=fonedynamics_conn).require("expire_at")


def test_an_unknown_feature_is_a_programming_error(sinch_token_conn: str) -> None:
    hook = SinchHook(sms_conn_id=sinch_token_conn)

    for ask in (hook.supports, hook.require):
        with pytest.raises(ValueError, match="unknown feature 'teleport'; known: cancel, delivery_reports"):
            ask("teleport")  # type: ignore[arg-type]


# -- send options -----------------------------------------------------------------------------------------

#: Every field the campaign engine sets itself, per vendor request model; the rest are vendor options.
ENGINE_FIELDS = {
    SinchHook: (SinchTextBatchRequest, {"to", "from_", "body", "parameters", "client_reference", "send_at"}),
    FoneDynamicsHook: (FoneMessageRequest, {"to", "text", "from_", "schedule", "external_id"}),
}


def test_vendor_option_names_are_the_request_model_fields_the_engine_leaves_alone() -> None:
    sinch_model, sinch_engine = ENGINE_FIELDS[SinchHook]
    fone_model, fone_engine = ENGINE_FIELDS[FoneDynamicsHook]

    assert SinchHook(sms_conn_id="x").vendor_option_names() == {
        "delivery_report",
        "callback_url",
        "feedback_enabled",
        "flash_message",
        "truncate_concat",
        "max_number_of_message_parts",
        "from_ton",
        "from_npi",
    }
    assert SinchHook(sms_conn_id="x").vendor_option_names() == (
        set(sinch_model.model_fields) - sinch_engine - {"expire_at", "type"}
    )
    assert FoneDynamicsHook(sms_conn_id="x").vendor_option_names() == (
        set(fone_model.model_fields) - fone_engine
    )
    assert "forward_to_sms" in FoneDynamicsHook(sms_conn_id="x").vendor_option_names()


@pytest.mark.parametrize(
    ("hook_class", "option", "known"),
    [
        (FoneDynamicsHook, "flash_message", "delivery_receipt, delivery_receipt_webhook_method, "),
        (SinchHook, "forward_to_sms", "callback_url, delivery_report, feedback_enabled, flash_message, "),
    ],
)
def test_an_unknown_vendor_option_is_named_with_the_known_ones(
    hook_class: type[SmsHook], option: str, known: str, http: requests_mock.Mocker
) -> None:
    hook = hook_class(sms_conn_id="unused")

    with pytest.raises(SmsValidationError) as raised:
        hook.check_send_options(SendOptions(body="x", vendor={option: True, "typo": 1}))

    assert [str(p) for p in raised.value.problems] == [
        f"vendor_options.{name}=(given): is not a {hook.vendor} option; known: "
        + ", ".join(sorted(hook.vendor_option_names()))
        for name in sorted((option, "typo"))
    ]
    assert known in str(raised.value)
    assert str(raised.value).startswith("Invalid send, nothing was sent: ")
    assert http.request_history == []


@pytest.mark.parametrize("hook_class", HOOK_CLASSES)
def test_the_vendors_own_options_pass(hook_class: type[SmsHook]) -> None:
    hook = hook_class(sms_conn_id="unused")

    hook.check_send_options(SendOptions(body="x", vendor=dict.fromkeys(hook.vendor_option_names(), 1)))


def test_expire_at_passes_where_the_vendor_has_it_and_is_refused_before_any_request_elsewhere(
    http: requests_mock.Mocker,
) -> None:
    options = SendOptions(body="x", expire_at=datetime.now(timezone.utc) + timedelta(days=1))

    SinchHook(sms_conn_id="unused").check_send_options(options)
    with pytest.raises(SmsCapabilityError, match="Fone Dynamics has no API to set expire_at"):
        FoneDynamicsHook(sms_conn_id="unused").check_send_options(options)

    assert http.request_history == []


# -- the connection test ----------------------------------------------------------------------------------


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


# -- batch_id_list: the one reader of a batch_id argument -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01ABC", ["01ABC"]),
        (["01A", " 01B "], ["01A", "01B"]),
        (("01A",), ["01A"]),
        (["01A", "01A"], ["01A"]),
        ({"vendor": "sinch", "batch_ids": ["01A", "01B"], "recipients": 3}, ["01A", "01B"]),
    ],
)
def test_batch_id_list_accepts_an_id_a_list_or_a_send_result(value: object, expected: list[str]) -> None:
    assert batch_id_list(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "must name at least one batch"),
        (["01A", ""], r"batch_id\[1\]"),
        ([1], r"batch_id\[0\]=<int>"),
        (None, "must be a batch id"),
        ({"batch_ids": None}, "must be a batch id"),
    ],
)
def test_batch_id_list_rejects_what_is_not_an_id(value: object, message: str) -> None:
    with pytest.raises(SmsValidationError, match=message):
        batch_id_list(value)


@pytest.mark.parametrize("text", ["['01A', '01B']", " {'batch_ids': ['01A']}"])
def test_a_list_or_send_result_rendered_to_text_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(SmsValidationError, match=r"batch_id=send\.output"):
        batch_id_list(text)


def test_a_mapped_send_result_list_is_flattened_and_each_batch_named_once() -> None:
    results = [{"batch_ids": ["01A", "01B"]}, {"batch_ids": ["01B", "01C"]}]
    assert batch_id_list(results) == ["01A", "01B", "01C"]


def test_a_bad_id_inside_a_mapped_result_names_its_position() -> None:
    with pytest.raises(SmsValidationError, match=r"batch_id\[1\]\[0\]"):
        batch_id_list([{"batch_ids": ["01A"]}, {"batch_ids": [""]}])


def test_batch_id_list_names_the_argument_it_reads() -> None:
    with pytest.raises(SmsValidationError, match=r"^Invalid batch_ids, .*batch_ids\[0\]"):
        batch_id_list([""], field="batch_ids")


# -- the neutral sending types ----------------------------------------------------------------------------


def test_render_placeholders_like_sinch() -> None:
    assert render_placeholders("Hi ${name} ${x}", {}, {"name": "you"}, {"name"}) == ("Hi you ${x}", [])
    assert render_placeholders("Hi ${name}", {}, {}, {"name"}) == ("Hi ", ["name"])
    assert render_placeholders("${a}${b}", {"a": "1"}, {"a": "0", "b": "2"}, set()) == ("12", [])
    assert render_placeholders("Pay $5 {x}", {"x": "1"}, {}, {"x"}) == ("Pay $5 {x}", [])
    assert render_placeholders("${open", {"open": "1"}, {}, {"open"}) == ("${open", [])


def test_message_parts_count_each_distinct_text_once(
    sinch_token_conn: str, fonedynamics_conn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[str] = []

    def counting(text: str) -> SegmentInfo:
        counted.append(text)
        return count_parts(text)

    monkeypatch.setattr(sms_module, "count_parts", counting)
    sms_module.parts_of.cache_clear()
    hooks = [SmsHook.for_connection(sinch_token_conn), SmsHook.for_connection(fonedynamics_conn)]
    texts = ["Hello", "Zoë " * 40, "A" * 161, "Hello"] * 500

    parts = [hook.message_parts(text, SendOptions()) for hook in hooks for text in texts]

    assert parts == [count_parts(text).parts for _ in hooks for text in texts]
    assert sorted(counted) == sorted({"Hello", "Zoë " * 40, "A" * 161})
    truncated = SendOptions(vendor={"truncate_concat": True})
    assert hooks[0].message_parts("A" * 161, truncated) == 1


def test_send_options_give_each_recipient_its_text() -> None:
    options = SendOptions(
        body="Hi ${name} ${x}", defaults={"name": "you"}, parameter_keys=frozenset({"name"})
    )

    assert options.text_for(ChunkRecipient(0, "+61400000001", {"name": "Ann"})) == "Hi Ann ${x}"
    assert options.text_for(ChunkRecipient(1, "+61400000002")) == "Hi you ${x}"
    assert options.text_for(ChunkRecipient(2, "+61400000003", body="Own")) == "Own"
    assert SendOptions().text_for(ChunkRecipient(3, "+61400000004")) == ""


def test_reprs_never_show_a_number_or_an_option_value() -> None:
    options = SendOptions(
        body="secret text", from_="+61400000009", vendor={"callback_url": "https://x/t0k3n"}
    )
    recipient = ChunkRecipient(4, "+61400000123", {"code": "1234"})
    state = RecipientState("B1", "+61400000123", NOT_YET_REPORTED)
    batch = KeyedBatch("sms-k-c0", "B1", ("+61400000123", "+61400000124"))

    assert repr(options) == "SendOptions(from_=..., vendor.callback_url=...)"
    assert repr(recipient) == "ChunkRecipient(position=4, to='+6140****123')"
    assert repr(SendChunk(0, "k", (recipient,))).count("+61400000123") == 0
    assert "+6140****123" in repr(state)
    assert "+61400000123" not in repr(state)
    assert repr(batch) == "KeyedBatch(key='sms-k-c0', batch_id='B1', recipients=<2>)"


# -- the neutral tracking types ---------------------------------------------------------------------------

DELIVERED = from_sinch("Delivered")
FAILED = from_sinch("Failed")
DISPATCHED = from_sinch("Dispatched")


def test_batch_status_counts_unreported_messages_as_pending() -> None:
    status = BatchStatus("B1", 5, (StatusCount(DELIVERED, 2), StatusCount(DISPATCHED, 1)))

    assert (status.final, status.complete) == (2, False)
    assert status.states() == {DELIVERED: 2, DISPATCHED: 1, NOT_YET_REPORTED: 2}
    assert status.by_status() == {"delivered": 2, "sent": 1, "pending": 2}
    assert status.by_vendor_status() == {"Delivered": 2, "Dispatched": 1, "(not reported yet)": 2}


def test_batch_status_is_complete_once_every_message_is_final_and_never_when_empty() -> None:
    assert BatchStatus.of_states("B1", 3, [DELIVERED, FAILED, DELIVERED]).complete
    assert BatchStatus.of_states("B1", 3, [DELIVERED, FAILED, DELIVERED]).by_status() == {
        "delivered": 2,
        "failed": 1,
    }
    assert not BatchStatus("B1", 0, ()).complete


def test_only_recipients_keeps_the_asked_ones_in_order_and_pads_the_unreported() -> None:
    states = [RecipientState("B1", "+61400000001", DELIVERED), RecipientState("B1", "+61400000002", FAILED)]

    assert only_recipients("B1", states, None) == states
    assert only_recipients("B1", states, ["+61400000003", "+61400000002", "+61400000003"]) == [
        RecipientState("B1", "+61400000003", NOT_YET_REPORTED),
        states[1],
    ]
    assert MessageState(NeutralStatus.PENDING, False, "(not reported yet)") == NOT_YET_REPORTED


def test_best_states_prefers_a_final_state_over_an_open_one() -> None:
    best = best_states(
        [
            RecipientState("B1", "+61400000001", DISPATCHED),
            RecipientState("B2", "+61400000001", FAILED),
            RecipientState("B3", "+61400000001", DELIVERED),
            RecipientState("B1", "+61400000002", DISPATCHED),
        ]
    )

    assert {number: (s.batch_id, s.state) for number, s in best.items()} == {
        "+61400000001": ("B2", FAILED),
        "+61400000002": ("B1", DISPATCHED),
    }


@pytest.mark.parametrize(
    "error",
    [
        SmsValidationError([], subject="send"),
        SmsCapabilityError("Fone Dynamics", "cancel a batch"),
    ],
)
def test_bad_arguments_and_missing_features_fail_without_retry(error: Exception) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(str(error))) as raised, failing_without_retry():
        raise error

    assert raised.value.__cause__ is error


def test_other_errors_pass_through_for_airflow_to_retry() -> None:
    with pytest.raises(RuntimeError, match="HTTP 503"), failing_without_retry():
        raise RuntimeError("HTTP 503")


# -- the neutral send operations of both vendors, against the sandbox -------------------------------------

CHUNK = SendChunk(
    0,
    "sms-t-abc-c0",
    (ChunkRecipient(0, "+61400000001", {"name": "Ann"}), ChunkRecipient(1, "+61400000002")),
)
OPTIONS = SendOptions(
    body="Hi ${name} ${x}", defaults={"name": "you"}, parameter_keys=frozenset({"name"}), from_="SmsTest"
)


@pytest.mark.parametrize("conn_type", ["sinch", "fonedynamics"])
def test_send_find_and_preview_a_chunk(
    conn_type: str, sandbox: SandboxServer, sandbox_hook: Callable[[str], SmsHook]
) -> None:
    hook = sandbox_hook(conn_type)
    hook.check_send_options(OPTIONS)
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
    if conn_type == "fonedynamics":
        assert sent.batch_id.startswith(f"{CHUNK.key}@")


def test_unknown_keys_name_the_key_suggest_the_nearest_and_hide_the_value() -> None:
    known = ["region", "auth_type", "timeout"]
    found = unknown_keys(
        {"regoin": "eu", "timeout": 5, "api_token": "tok-SECRET", "extra__sinch__region": "eu"},
        known,
        "sinch",
    )

    assert [p.field for p in found] == ["regoin", "api_token", "extra__sinch__region"]
    assert all(p.value == "(hidden)" for p in found)
    assert found[0].rule == (
        "is not a setting of a sinch connection; did you mean 'region'? "
        "known keys: region, auth_type, timeout"
    )
    assert "did you mean" not in found[1].rule
    assert "did you mean 'region'?" in found[2].rule
    assert "tok-SECRET" not in str(found)
