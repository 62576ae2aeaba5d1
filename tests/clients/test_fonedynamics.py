from __future__ import annotations

import base64
import logging
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import requests_mock

from airflow_provider_sms import __version__
from airflow_provider_sms.clients import fonedynamics as fonedynamics_module
from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings
from airflow_provider_sms.exceptions import (
    SmsAmbiguousResultError,
    SmsAuthenticationError,
    SmsBadRequestError,
    SmsNotFoundError,
    SmsValidationError,
)
from airflow_provider_sms.models.fonedynamics import FoneBatchItemError, FoneMessage, FoneMessageRequest
from airflow_provider_sms.models.sms import PLAIN_HTTP_RULE

ACCOUNT = "AG5T3HFR5ASD54FS5GB3SDAFJAKSH6DS"
TOKEN = "fone-TOKEN-secret-42"
PROPERTY = "S7DNJ9KJDS0MDS23DKS9QMZ8DKJSD9KL"
MESSAGE_SID = "M87DMNHSDJHSD48DMNSDS6VJCNKD9MD0"
API = "https://api.fonedynamics.com/v2"
MESSAGES_URL = f"{API}/Properties/{PROPERTY}/Messages"
BATCH_URL = f"{API}/Properties/{PROPERTY}/BatchMessages"

SIMPLE = {"From": "+61499009990", "To": "+61488023555", "Text": "You win again, gravity!"}
LEASED = {
    "From": "",
    "To": "+61488023555",
    "Text": "You call that an antenna?",
    "DeliveryReceipt": True,
    "DeliveryReceiptWebhookUri": "https://callback.2.me/for/delivery_receipt",
    "DeliveryReceiptWebhookMethod": "POST",
    "ForwardToSms": "+61499333222",
    "ForwardFromSms": "",
    "ForwardToEmail": "[email protected]",
    "ForwardFromEmail": "[email protected]",
    "WebhookUri": "https://callback.2.me/for/sms_responses",
    "WebhookMethod": "POST",
    "ExternalId": "testid123",
}
MESSAGE = {
    "MessageSid": MESSAGE_SID,
    "AccountSid": ACCOUNT,
    "PropertySid": PROPERTY,
    "From": "+6199111222",
    "To": "+61488023555",
    "Text": "You call that an antenna?",
}
BATCH_BODY = {
    "Messages": [
        {"From": "+61499009990", "To": "+61488023555", "Text": "You win again, gravity!"},
        {"From": "+61499009991", "To": "+61488023556", "Text": "You call that an antenna?"},
    ]
}
BATCH_RESULT = [
    {**MESSAGE, "DeliveryReceipt": True, "NumSegments": 0, "Status": "Processing", "ExternalId": "testid123"},
    {
        "ErrorCode": "INVALID_PHONENUMBER_FORMAT",
        "Message": "To parameter is not in E.164 format",
        "Errors": [{"FieldName": "To"}],
    },
]
WHOLE_REQUEST_ERROR = {
    "ResponseStatus": {
        "ErrorCode": "FormatException",
        "Message": "Invalid length for a Base-64 char array or string.",
    }
}


def fone(sleeps: list[float], **overrides: Any) -> FoneDynamicsClient:
    settings: dict[str, Any] = {
        "account_sid": ACCOUNT,
        "token": TOKEN,
        "property_sid": PROPERTY,
        "sleep": sleeps.append,
    }
    settings.update(overrides)
    arguments = {name: settings.pop(name) for name in ("session", "sleep") if name in settings}
    return FoneDynamicsClient(FoneDynamicsSettings(**settings), **arguments)


def listed(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{**MESSAGE, "MessageSid": f"MG{n:030d}"} for n in range(start, start + count)]


# -- construction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "fields"),
    [
        ({"token": ""}, ["token"]),
        ({"account_sid": None}, ["account_sid"]),
        ({"account_sid": " ", "token": None}, ["account_sid", "token"]),
        ({"base_url": "api.fonedynamics.com"}, ["base_url"]),
        ({"timeout": -1, "max_retries": 1.5}, ["timeout", "max_retries"]),
    ],
)
def test_invalid_settings_name_every_field(
    sleeps: list[float], settings: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        fone(sleeps, **settings)
    assert [p.field for p in caught.value.problems] == fields
    assert TOKEN not in str(caught.value)


def test_repr_hides_the_token(sleeps: list[float]) -> None:
    shown = repr(fone(sleeps))
    assert TOKEN not in shown
    assert ACCOUNT in shown
    assert "api.fonedynamics.com" in shown


def test_base_url_override(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"http://127.0.0.1:8081/v2/Messages/{MESSAGE_SID}", json={"Message": MESSAGE})
    fone(sleeps, base_url="http://127.0.0.1:8081").get_message(MESSAGE_SID)
    assert http.call_count == 1


# -- settings: every rule, checked once ----------------------------------------------------------


def settings_problems(**settings: Any) -> list[str]:
    """Build ``FoneDynamicsSettings`` from valid credentials plus ``settings`` and return its problems."""
    with pytest.raises(SmsValidationError) as caught:
        FoneDynamicsSettings(**{"account_sid": ACCOUNT, "token": TOKEN, **settings})
    assert str(caught.value).startswith("Invalid Fone Dynamics settings, nothing was sent: ")
    assert TOKEN not in str(caught.value)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"account_sid": ""}, "account_sid=(empty): the account SID is required"),
        ({"account_sid": 7}, "account_sid=<int>: must be text"),
        ({"account_sid": "AC?1"}, "account_sid='AC?1': must not contain '/', '?', '#', '%' or whitespace"),
        ({"account_sid": ".."}, "account_sid='..': must be a non-empty id (not blank, '.' or '..')"),
        ({"token": None}, "token=(empty): the account token is required"),
        ({"token": 42}, "token=(hidden): must be text"),
        ({"property_sid": "PR 1"}, "property_sid='PR 1': must not contain '/', '?', '#', '%' or whitespace"),
        ({"property_sid": "."}, "property_sid='.': must be a non-empty id (not blank, '.' or '..')"),
        (
            {"base_url": "api.fonedynamics.com"},
            "base_url='api.fonedynamics.com': must be an absolute http:// or https:// URL",
        ),
        (
            {"base_url": "https://u:p@api.example"},
            "base_url=(hidden): must not contain a user name or password",
        ),
        ({"default_from": "12345"}, "default_from=***45: a numeric sender id must be an E.164 number"),
        ({"timeout": "soon"}, "timeout='soon': must be a number of seconds greater than 0 and at most 300"),
        ({"max_retries": -1}, "max_retries=-1: must be a whole number from 0 to 10"),
    ],
)
def test_each_rule_names_the_setting_its_value_and_the_rule(settings: dict[str, Any], problem: str) -> None:
    (found,) = settings_problems(**settings)
    assert found.startswith(problem)


def test_every_problem_is_reported_at_once() -> None:
    found = settings_problems(account_sid="AC/1", token="", property_sid="P#", timeout=0, max_retries=0.5)
    assert [problem.split("=")[0] for problem in found] == [
        "account_sid",
        "token",
        "property_sid",
        "timeout",
        "max_retries",
    ]


def test_values_are_normalised() -> None:
    given: dict[str, Any] = {
        "account_sid": f" {ACCOUNT} ",
        "token": TOKEN,
        "property_sid": "",
        "base_url": "http://127.0.0.1:9090/",
        "default_from": " Acme ",
        "timeout": "5",
        "max_retries": 0.0,
    }
    settings = FoneDynamicsSettings(**given)
    assert (settings.account_sid, settings.property_sid, settings.default_from) == (ACCOUNT, None, "Acme")
    assert (settings.base_url, settings.timeout, settings.max_retries) == ("http://127.0.0.1:9090", 5.0, 0)
    assert settings.secret == TOKEN


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            {"timeout": 1e9},
            "timeout=1000000000.0: must be a number of seconds greater than 0 and at most 300",
        ),
        ({"max_retries": 11}, "max_retries=11: must be a whole number from 0 to 10"),
        ({"max_retry_wait": -1}, "max_retry_wait=-1: must be a number of seconds 0 or more and at most 3600"),
        (
            {"max_retry_wait": 3601},
            "max_retry_wait=3601: must be a number of seconds 0 or more and at most 3600",
        ),
        ({"allow_insecure_http": "sure"}, "allow_insecure_http='sure': must be true or false"),
        (
            {"base_url": "http://api.fonedynamics.com"},
            f"base_url='http://api.fonedynamics.com': {PLAIN_HTTP_RULE}",
        ),
    ],
)
def test_limits_and_plain_http_are_rules_of_the_settings(settings: dict[str, Any], problem: str) -> None:
    assert settings_problems(**settings) == [problem]


def test_new_settings_default_and_reach_the_retry_policy(sleeps: list[float]) -> None:
    client = fone(sleeps)
    assert (client.settings.max_retry_wait, client.settings.allow_insecure_http) == (120.0, False)
    assert client.transport.retry.max_total_wait == 120.0

    client = fone(sleeps, max_retry_wait="0", allow_insecure_http="true", base_url="http://fone.example.test")
    assert (client.settings.max_retry_wait, client.settings.allow_insecure_http) == (0.0, True)
    assert client.transport.retry.max_total_wait == 0.0
    assert client.transport.base_url == "http://fone.example.test"


def test_plain_http_webhooks_follow_the_setting(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(MESSAGES_URL, json={"Message": MESSAGE})
    leased = {**LEASED, "DeliveryReceiptWebhookUri": "http://hooks.example.test/dlr"}

    with pytest.raises(SmsValidationError, match=r"DeliveryReceiptWebhookUri=.*plain http://"):
        fone(sleeps).send_message(leased)
    assert http.call_count == 0
    fone(sleeps, allow_insecure_http=True).send_message(leased)
    assert http.call_count == 1


def test_repr_and_str_never_show_the_token() -> None:
    settings = FoneDynamicsSettings(account_sid=ACCOUNT, token=TOKEN, property_sid=PROPERTY)
    for shown in (repr(settings), str(settings), repr(FoneDynamicsClient(settings))):
        assert TOKEN not in shown
        assert ACCOUNT in shown


def test_the_client_trusts_its_settings_and_checks_nothing_again(
    http: requests_mock.Mocker, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = FoneDynamicsSettings(account_sid=ACCOUNT, token=TOKEN, property_sid=PROPERTY)

    def no_more_checks(*args: object, **kwargs: object) -> None:
        raise AssertionError("the client checked a setting again")

    monkeypatch.setattr(fonedynamics_module, "SettingsChecker", no_more_checks)
    monkeypatch.setattr(FoneDynamicsSettings, "__post_init__", no_more_checks)
    http.get(f"{API}/Messages/{MESSAGE_SID}", json={"Message": MESSAGE})
    client = FoneDynamicsClient(settings, sleep=sleeps.append)
    assert client.settings is settings
    client.get_message(MESSAGE_SID)
    assert http.call_count == 1


# -- send one ------------------------------------------------------------------------------------


def test_send_message_posts_the_seed_body_with_basic_auth(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(MESSAGES_URL, json={"Message": MESSAGE})
    message = fone(sleeps).send_message(
        from_="+61499009990", to="+61488023555", text="You win again, gravity!"
    )
    sent = http.last_request
    assert sent.json() == SIMPLE
    assert (
        sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    )
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"].startswith(f"airflow-provider-sms/{__version__} ")
    assert isinstance(message, FoneMessage)
    assert message.message_sid == MESSAGE_SID


def test_send_message_from_a_lease_with_every_option(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(MESSAGES_URL, json={"Message": MESSAGE})
    fone(sleeps).send_message(LEASED)
    assert http.last_request.json() == LEASED


def test_send_message_accepts_a_built_model_and_another_property(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(f"{API}/Properties/OTHER/Messages", json={"Message": MESSAGE})
    fone(sleeps).send_message(FoneMessageRequest.build(SIMPLE), property_sid="OTHER")
    assert http.last_request.json() == SIMPLE


def test_missing_property_sid_fails_before_any_request(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    client = fone(sleeps, property_sid=None)
    for call in (
        lambda: client.send_message(SIMPLE),
        lambda: client.send_messages([SIMPLE]),
        lambda: client.list_messages(date_from=1, date_to=2),
        lambda: client.list_messages_page(date_from=1, date_to=2),
    ):
        with pytest.raises(SmsValidationError) as caught:
            call()
        assert [p.field for p in caught.value.problems] == ["property_sid"]
    assert http.call_count == 0


def test_send_message_validation_error_masks_the_number(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        fone(sleeps).send_message(to="0488023555", text="hi")
    assert [p.field for p in caught.value.problems] == ["to"]
    assert "0488023555" not in str(caught.value)
    assert http.call_count == 0


def test_send_message_read_error_is_ambiguous_after_one_request(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(MESSAGES_URL, exc=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(SmsAmbiguousResultError):
        fone(sleeps).send_message(SIMPLE)
    assert http.call_count == 1


@pytest.mark.parametrize(
    "reply", [{"text": ""}, {"json": {}}, {"json": {"Message": {"Status": "Processing"}}}]
)
def test_send_message_answered_without_a_message_sid_is_ambiguous(
    http: requests_mock.Mocker, sleeps: list[float], reply: dict[str, Any]
) -> None:
    http.post(MESSAGES_URL, status_code=200, **reply)
    with pytest.raises(SmsAmbiguousResultError, match="may or may not have taken effect"):
        fone(sleeps).send_message(SIMPLE)
    assert http.call_count == 1


@pytest.mark.parametrize(
    "reply", [{"text": ""}, {"text": '[{"MessageSid": "MS1"'}, {"json": BATCH_RESULT[:1]}]
)
def test_send_messages_answered_empty_cut_short_or_with_too_few_results_is_ambiguous(
    http: requests_mock.Mocker, sleeps: list[float], reply: dict[str, Any]
) -> None:
    http.post(BATCH_URL, status_code=200, **reply)
    with pytest.raises(SmsAmbiguousResultError, match="may or may not have taken effect"):
        fone(sleeps).send_messages(BATCH_BODY["Messages"])
    assert http.call_count == 1


def test_send_message_400_response_status_with_field_names(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(
        MESSAGES_URL,
        status_code=400,
        json={
            "ResponseStatus": {
                "ErrorCode": "PARAMETER_REQUIRED",
                "Message": "Text is required",
                "Errors": [{"FieldName": "Text"}],
            }
        },
    )
    with pytest.raises(SmsBadRequestError) as caught:
        fone(sleeps).send_message(SIMPLE)
    error = caught.value
    assert (error.vendor, error.status, error.code, error.text, error.fields) == (
        "Fone Dynamics",
        400,
        "PARAMETER_REQUIRED",
        "Text is required",
        ("Text",),
    )
    assert http.call_count == 1


# -- send a batch --------------------------------------------------------------------------------


def test_send_messages_posts_the_seed_batch_and_returns_one_result_per_message(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(BATCH_URL, json=BATCH_RESULT)
    results = fone(sleeps).send_messages(BATCH_BODY["Messages"])
    assert http.last_request.json() == BATCH_BODY
    assert isinstance(results[0], FoneMessage)
    assert results[0].message_sid == MESSAGE_SID
    assert isinstance(results[1], FoneBatchItemError)
    assert results[1].error_code == "INVALID_PHONENUMBER_FORMAT"
    assert [e.field_name for e in results[1].errors] == ["To"]


def test_send_messages_reads_a_wrapped_response(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(BATCH_URL, json={"Messages": BATCH_RESULT})
    assert len(fone(sleeps).send_messages(BATCH_BODY["Messages"])) == 2


@pytest.mark.parametrize("status", [400, 200])
def test_send_messages_whole_request_error_raises(
    http: requests_mock.Mocker, sleeps: list[float], status: int
) -> None:
    http.post(BATCH_URL, status_code=status, json=WHOLE_REQUEST_ERROR)
    with pytest.raises(SmsBadRequestError) as caught:
        fone(sleeps).send_messages(BATCH_BODY["Messages"])
    assert caught.value.status == status
    assert caught.value.code == "FormatException"
    assert caught.value.text == "Invalid length for a Base-64 char array or string."
    assert http.call_count == 1


@pytest.mark.parametrize("status", [400, 200])
def test_vendor_text_echoing_a_number_is_masked_in_the_error(
    http: requests_mock.Mocker, sleeps: list[float], status: int
) -> None:
    echo = {"ResponseStatus": {"ErrorCode": "BLOCKED", "Message": "Recipient 61488023555 has opted out"}}
    http.post(BATCH_URL, status_code=status, json=echo)
    with pytest.raises(SmsBadRequestError) as caught:
        fone(sleeps).send_messages(BATCH_BODY["Messages"])
    assert "61488023555" not in str(caught.value)
    assert caught.value.text == "Recipient 61488***555 has opted out"


def test_send_messages_one_bad_message_rejects_the_batch_unsent(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        fone(sleeps).send_messages([SIMPLE, {**SIMPLE, "To": "61488023556"}])
    assert [p.field for p in caught.value.problems] == ["messages[1].To"]
    assert "61488023556" not in str(caught.value)
    assert http.call_count == 0


def test_send_messages_needs_at_least_one(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    with pytest.raises(SmsValidationError, match="at least one message"):
        fone(sleeps).send_messages([])
    assert http.call_count == 0


def test_send_messages_read_error_is_ambiguous(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(BATCH_URL, exc=requests.exceptions.ChunkedEncodingError("truncated"))
    with pytest.raises(SmsAmbiguousResultError):
        fone(sleeps).send_messages([SIMPLE])
    assert http.call_count == 1


# -- get and list --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"Message": MESSAGE}, MESSAGE])
def test_get_message_reads_wrapped_or_bare(
    http: requests_mock.Mocker, sleeps: list[float], body: Any
) -> None:
    http.get(f"{API}/Messages/{MESSAGE_SID}", json=body)
    assert fone(sleeps).get_message(MESSAGE_SID).to == "+61488023555"


def test_get_message_does_not_need_a_property(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{API}/Messages/{MESSAGE_SID}", json={"Message": MESSAGE})
    fone(sleeps, property_sid=None).get_message(MESSAGE_SID)
    assert http.call_count == 1


def test_get_message_retries_a_5xx(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{API}/Messages/{MESSAGE_SID}", [{"status_code": 502}, {"json": {"Message": MESSAGE}}])
    fone(sleeps).get_message(MESSAGE_SID)
    assert http.call_count == 2
    assert len(sleeps) == 1


def test_get_unknown_message_raises_not_found(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{API}/Messages/NOPE", status_code=404, json={"ResponseStatus": {"ErrorCode": "NOT_FOUND"}})
    with pytest.raises(SmsNotFoundError) as caught:
        fone(sleeps).get_message("NOPE")
    assert caught.value.code == "NOT_FOUND"


@pytest.mark.parametrize("message_sid", ["", "..", None])
def test_get_message_rejects_a_bad_id(
    http: requests_mock.Mocker, sleeps: list[float], message_sid: Any
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        fone(sleeps).get_message(message_sid)
    assert caught.value.problems[0].field == "message_sid"
    assert http.call_count == 0


def test_list_messages_walks_offsets_until_a_short_page(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(
        MESSAGES_URL, [{"json": listed(2)}, {"json": {"Messages": listed(2, 2)}}, {"json": listed(1, 4)}]
    )
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    messages = fone(sleeps).list_messages(
        date_from=start, date_to=1704153600, status="delivered", direction="Transmit", results_count=2
    )
    assert http.call_count == 0
    assert [m.message_sid for m in messages] == [f"MG{n:030d}" for n in range(5)]
    assert [r.qs["Results_Skip"] for r in http.request_history] == [["0"], ["2"], ["4"]]
    assert http.request_history[0].qs == {
        "Date_From": ["1704067200"],
        "Date_To": ["1704153600"],
        "Status": ["Delivered"],
        "Direction": ["Transmit"],
        "Results_Count": ["2"],
        "Results_Skip": ["0"],
    }


def test_list_messages_stops_on_an_empty_page(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(MESSAGES_URL, [{"json": listed(2)}, {"json": []}])
    assert len(list(fone(sleeps).list_messages(date_from=1, date_to=2, results_count=2))) == 2
    assert http.call_count == 2


def test_list_messages_default_page_size_is_200(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(MESSAGES_URL, json=listed(3))
    assert len(list(fone(sleeps).list_messages(date_from=1, date_to=2))) == 3
    assert http.last_request.qs["Results_Count"] == ["200"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"date_from": 10, "date_to": 10}, "date_to"),
        ({"date_from": 1, "date_to": 2, "status": "Sent"}, "status"),
        ({"date_from": 1, "date_to": 2, "results_count": 0}, "results_count"),
        ({"date_from": 1, "date_to": 2, "results_count": 100_000}, "results_count"),
        ({"date_from": 1, "date_to": 2, "results_count": 201}, "results_count"),
        ({"date_from": datetime(2024, 1, 1), "date_to": 2}, "date_from"),
    ],
)
def test_list_messages_validates_before_iteration(
    http: requests_mock.Mocker, sleeps: list[float], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        fone(sleeps).list_messages(**kwargs)
    assert caught.value.problems[0].field == field
    assert http.call_count == 0


def test_list_messages_page_returns_one_page(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(MESSAGES_URL, json=listed(2))
    page = fone(sleeps).list_messages_page(date_from=1, date_to=2, results_count=2, results_skip=40)
    assert len(page) == 2
    assert http.last_request.qs["Results_Skip"] == ["40"]
    assert http.call_count == 1


def test_no_token_in_errors_or_logs(
    http: requests_mock.Mocker, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    http.post(MESSAGES_URL, status_code=401, json={"ResponseStatus": {"ErrorCode": "UNAUTHORIZED"}})
    with caplog.at_level(logging.DEBUG), pytest.raises(SmsAuthenticationError) as caught:
        fone(sleeps).send_message(SIMPLE)
    encoded = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    for secret in (TOKEN, encoded):
        assert secret not in str(caught.value)
        assert secret not in caplog.text
    assert "HTTP 401" in caplog.text
