from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import requests
import requests_mock

import airflow_provider_sms
from airflow_provider_sms import __version__
from airflow_provider_sms.clients import sinch as sinch_module
from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.exceptions import (
    SmsAmbiguousResultError,
    SmsBadRequestError,
    SmsForbiddenError,
    SmsTransportError,
    SmsValidationError,
)
from airflow_provider_sms.models.sinch import SinchBinaryBatchRequest, SinchTextBatchRequest
from airflow_provider_sms.models.sms import PLAIN_HTTP_RULE

from .sinch_fixtures import API_TOKEN, BATCH_ID, BATCH_RESPONSE, KEY_SECRET, PLAN, US, sinch

SEND_SAMPLE = {
    "from": "+15551231234",
    "to": ["+15551256344"],
    "body": "YOUR_message_body",
    "delivery_report": "summary",
    "type": "mt_text",
}


# -- construction ------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us", "eu", "au", "br", "ca"])
def test_api_token_host_per_region(http: requests_mock.Mocker, sleeps: list[float], region: str) -> None:
    url = f"https://{region}.sms.api.sinch.com/xms/v1/{PLAN}/batches/{BATCH_ID}"
    http.get(url, json=BATCH_RESPONSE)
    sinch(sleeps, region=region).get_batch(BATCH_ID)
    assert http.call_count == 1


def test_base_url_overrides_the_host(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"http://127.0.0.1:8080/xms/v1/{PLAN}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    sinch(sleeps, base_url="http://127.0.0.1:8080/").get_batch(BATCH_ID)
    assert http.call_count == 1


@pytest.mark.parametrize(
    ("settings", "field", "rule"),
    [
        ({"api_token": None}, "api_token", "the API token is required"),
        ({"api_token": "  "}, "api_token", "the API token is required"),
        ({"service_plan_id": None}, "service_plan_id", "required"),
        ({"region": "mars"}, "region", "must be one of us, eu, au, br, ca"),
        ({"auth_type": "magic"}, "auth_type", "must be one of api_token, oauth2"),
        ({"base_url": "ftp://x"}, "base_url", "absolute http:// or https:// URL"),
        ({"timeout": 0}, "timeout", "greater than 0"),
        ({"max_retries": -1}, "max_retries", "whole number from 0 to 10"),
        ({"service_plan_id": ".."}, "service_plan_id", "non-empty id"),
    ],
)
def test_invalid_api_token_settings_name_the_field(
    sleeps: list[float], settings: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        sinch(sleeps, **settings)
    assert [p.field for p in caught.value.problems] == [field]
    assert rule in caught.value.problems[0].rule
    assert API_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("settings", "fields"),
    [
        ({"project_id": PLAN}, ["key_id", "key_secret"]),
        ({"project_id": PLAN, "key_secret": KEY_SECRET}, ["key_id"]),
        ({"key_id": "k", "key_secret": KEY_SECRET}, ["project_id"]),
    ],
)
def test_missing_oauth2_credentials_are_all_named(settings: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(SmsValidationError) as caught:
        SinchSettings(region="us", auth_type="oauth2", **settings)
    assert [p.field for p in caught.value.problems] == fields
    assert KEY_SECRET not in str(caught.value)


@pytest.mark.parametrize("region", ["au", "br", "ca"])
def test_oauth2_outside_us_and_eu_is_rejected_at_construction(region: str) -> None:
    with pytest.raises(SmsValidationError, match="only in regions us and eu") as caught:
        SinchSettings(region=region, auth_type="oauth2", project_id="p", key_id="k", key_secret=KEY_SECRET)
    assert [p.field for p in caught.value.problems] == ["region"]


def test_repr_shows_settings_but_no_token(sleeps: list[float]) -> None:
    shown = repr(sinch(sleeps))
    assert API_TOKEN not in shown
    assert PLAN in shown
    assert "us.sms.api.sinch.com" in shown


# -- settings: every rule, checked once ----------------------------------------------------------


OAUTH: dict[str, Any] = {
    "region": "eu",
    "auth_type": "oauth2",
    "project_id": "proj-1",
    "key_id": "key-1",
    "key_secret": KEY_SECRET,
}


def settings_problems(**settings: Any) -> list[str]:
    """Build ``SinchSettings`` from an API-token base plus ``settings`` and return its problems."""
    with pytest.raises(SmsValidationError) as caught:
        SinchSettings(**{"service_plan_id": PLAN, "api_token": API_TOKEN, **settings})
    assert str(caught.value).startswith("Invalid Sinch settings, nothing was sent: ")
    assert API_TOKEN not in str(caught.value)
    assert KEY_SECRET not in str(caught.value)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"region": "mars"}, "region='mars': must be one of us, eu, au, br, ca"),
        ({"region": 5}, "region=5: must be one of us, eu, au, br, ca"),
        ({"auth_type": "basic"}, "auth_type='basic': must be one of api_token, oauth2"),
        ({"service_plan_id": None}, "service_plan_id=(empty): the service plan ID is required"),
        ({"service_plan_id": " "}, "service_plan_id=(empty): the service plan ID is required"),
        ({"service_plan_id": 7}, "service_plan_id=<int>: must be text"),
        (
            {"service_plan_id": "plan/../x"},
            "service_plan_id='plan/../x': must not contain '/', '?', '#', '%' or whitespace",
        ),
        ({"service_plan_id": "."}, "service_plan_id='.': must be a non-empty id (not blank, '.' or '..')"),
        ({"api_token": None}, "api_token=(empty): the API token is required"),
        ({"api_token": 12345}, "api_token=(hidden): must be text"),
        ({**OAUTH, "key_id": ""}, "key_id=(empty): the access key ID is required"),
        ({**OAUTH, "key_secret": None}, "key_secret=(empty): the access key secret is required"),
        (
            {**OAUTH, "project_id": None},
            "project_id=(empty): the project ID is required when auth_type is oauth2",
        ),
        (
            {**OAUTH, "project_id": "proj 1"},
            "project_id='proj 1': must not contain '/', '?', '#', '%' or whitespace",
        ),
        (
            {**OAUTH, "region": "au"},
            "region='au': Sinch offers oauth2 only in regions us and eu; use auth_type api_token elsewhere",
        ),
        (
            {**OAUTH, "auth_url": "ftp://auth.example"},
            "auth_url='ftp://auth.example': must be an absolute http:// or https:// URL",
        ),
        (
            {"base_url": "proxy.example"},
            "base_url='proxy.example': must be an absolute http:// or https:// URL",
        ),
        ({"base_url": "http://[::1"}, "base_url='http://[::1': must be an absolute http:// or https:// URL"),
        (
            {"base_url": "http://proxy.example:99999"},
            "base_url='http://proxy.example:99999': must be an absolute http:// or https:// URL",
        ),
        (
            {"base_url": "https://user:pa55word@proxy.example"},
            "base_url=(hidden): must not contain a user name or password",
        ),
        (
            {"default_from": "+0612345678901"},
            "default_from=+0612******901: a numeric sender id must be an E.164 number",
        ),
        ({"default_from": 61400000001}, "default_from=<int>: must be text"),
    ],
)
def test_each_rule_names_the_setting_its_value_and_the_rule(settings: dict[str, Any], problem: str) -> None:
    assert settings_problems(**settings) == [problem]


@pytest.mark.parametrize("raw", [0, -1, "soon", True, [5], float("inf"), float("nan")])
def test_timeout_must_be_positive_finite_seconds(raw: object) -> None:
    assert settings_problems(timeout=raw) == [
        f"timeout={raw!r}: must be a number of seconds greater than 0 and at most 300"
    ]


@pytest.mark.parametrize("raw", [-1, 1.5, "many", True, float("inf")])
def test_max_retries_must_be_a_whole_number(raw: object) -> None:
    assert settings_problems(max_retries=raw) == [f"max_retries={raw!r}: must be a whole number from 0 to 10"]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            {"timeout": 1e9},
            "timeout=1000000000.0: must be a number of seconds greater than 0 and at most 300",
        ),
        ({"max_retries": 1000}, "max_retries=1000: must be a whole number from 0 to 10"),
        (
            {"max_retry_wait": 1e6},
            "max_retry_wait=1000000.0: must be a number of seconds 0 or more and at most 3600",
        ),
        ({"has_default_originator": "maybe"}, "has_default_originator='maybe': must be true or false"),
        ({"allow_insecure_http": 1}, "allow_insecure_http=1: must be true or false"),
        ({"base_url": "http://sms.example.com"}, f"base_url='http://sms.example.com': {PLAIN_HTTP_RULE}"),
        (
            {**OAUTH, "auth_url": "http://auth.example.com/oauth2/token"},
            f"auth_url='http://auth.example.com/oauth2/token': {PLAIN_HTTP_RULE}",
        ),
    ],
)
def test_limits_and_plain_http_are_rules_of_the_settings(settings: dict[str, Any], problem: str) -> None:
    assert settings_problems(**settings) == [problem]


def test_loopback_http_needs_no_permission_and_other_http_needs_the_setting() -> None:
    loopback = SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN, base_url="http://127.0.0.1:8025")
    assert loopback.base_url == "http://127.0.0.1:8025"
    allowed = SinchSettings(
        **OAUTH,
        base_url="http://sms-proxy.internal:8080",
        auth_url="http://auth-proxy.internal/oauth2/token",
        allow_insecure_http="TRUE",
    )
    assert (allowed.base_url, allowed.auth_url, allowed.allow_insecure_http) == (
        "http://sms-proxy.internal:8080",
        "http://auth-proxy.internal/oauth2/token",
        True,
    )


def test_new_settings_have_documented_defaults_and_reach_the_retry_policy(sleeps: list[float]) -> None:
    settings = SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN)
    assert (settings.has_default_originator, settings.max_retry_wait, settings.allow_insecure_http) == (
        False,
        120.0,
        False,
    )
    client = SinchClient(SinchSettings(**OAUTH, max_retry_wait=15), sleep=sleeps.append)
    assert client.transport.retry.max_total_wait == 15.0
    assert client.transport.auth._transport.retry.max_total_wait == 15.0  # type: ignore[attr-defined]


def test_plain_http_callback_urls_follow_the_setting(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    batch = {
        "to": ["+61400200005"],
        "from_": "Acme",
        "body": "hi",
        "callback_url": "http://hooks.example.test/",
    }
    with pytest.raises(SmsValidationError, match="callback_url="):
        SinchClient(SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN), sleep=sleeps.append).send_batch(
            **batch
        )
    assert http.call_count == 0


def test_every_problem_is_reported_at_once() -> None:
    found = settings_problems(
        region="xx", service_plan_id=None, api_token="", base_url="ftp://x", timeout=0, max_retries=-2
    )
    assert [problem.split("=")[0] for problem in found] == [
        "region",
        "service_plan_id",
        "api_token",
        "base_url",
        "timeout",
        "max_retries",
    ]


def test_values_are_normalised() -> None:
    given: dict[str, Any] = {
        "region": " EU ",
        "auth_type": "API_TOKEN",
        "service_plan_id": f" {PLAN} ",
        "api_token": API_TOKEN,
        "base_url": "https://proxy.example/sinch/",
        "default_from": "  ",
        "timeout": "2.5",
        "max_retries": "5",
    }
    settings = SinchSettings(**given)
    assert (settings.region, settings.auth_type, settings.service_plan_id) == ("eu", "api_token", PLAN)
    assert (settings.base_url, settings.default_from) == ("https://proxy.example/sinch", None)
    assert (settings.timeout, settings.max_retries) == (2.5, 5)


def test_missing_numbers_mean_the_defaults() -> None:
    given: dict[str, Any] = {
        "service_plan_id": PLAN,
        "api_token": API_TOKEN,
        "timeout": None,
        "max_retries": "",
    }
    settings = SinchSettings(**given)
    assert (settings.timeout, settings.max_retries) == (30.0, 3)
    assert SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN, max_retries=2.0).max_retries == 2  # type: ignore[arg-type]


def test_fields_the_auth_type_does_not_use_are_checked_then_dropped() -> None:
    api_token = SinchSettings(
        service_plan_id=PLAN,
        api_token=API_TOKEN,
        project_id="p",
        key_id="k",
        auth_url="https://auth.example/t",
    )
    assert (api_token.project_id, api_token.key_id, api_token.auth_url) == (None, None, None)
    oauth = SinchSettings(**OAUTH, service_plan_id=PLAN, api_token=API_TOKEN)
    assert (oauth.service_plan_id, oauth.api_token, oauth.project_id) == (None, None, "proj-1")
    assert settings_problems(project_id="p/1") == [
        "project_id='p/1': must not contain '/', '?', '#', '%' or whitespace"
    ]


def test_secret_and_account_id_follow_the_auth_type() -> None:
    api_token = SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN)
    assert (api_token.secret, api_token.account_id) == (API_TOKEN, PLAN)
    oauth = SinchSettings(**OAUTH)
    assert (oauth.secret, oauth.account_id) == (KEY_SECRET, "proj-1")


@pytest.mark.parametrize("settings", [{"service_plan_id": PLAN, "api_token": API_TOKEN}, OAUTH])
def test_repr_and_str_never_show_a_secret(settings: dict[str, Any]) -> None:
    built = SinchSettings(**settings)
    for shown in (repr(built), str(built), repr(SinchClient(built))):
        assert API_TOKEN not in shown
        assert KEY_SECRET not in shown
    assert "region='" in repr(built)


def test_settings_cannot_be_changed_after_the_check() -> None:
    settings = SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.region = "mars"  # type: ignore[misc]


def test_the_client_trusts_its_settings_and_checks_nothing_again(
    http: requests_mock.Mocker, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = SinchSettings(service_plan_id=PLAN, api_token=API_TOKEN)

    def no_more_checks(*args: object, **kwargs: object) -> None:
        raise AssertionError("the client checked a setting again")

    monkeypatch.setattr(sinch_module, "_checked_sinch_settings", no_more_checks)
    monkeypatch.setattr(sinch_module, "SettingsChecker", no_more_checks)
    monkeypatch.setattr(sinch_module, "path_id", no_more_checks)
    http.get(f"{US}/batches", json={"batches": [], "page": 0, "page_size": 1, "count": 0})
    client = SinchClient(settings, sleep=sleeps.append)
    assert client.settings is settings
    client.list_batches_page(page_size=1)
    assert http.call_count == 1


def test_the_region_table_is_defined_once_in_the_package() -> None:
    package = Path(airflow_provider_sms.__file__).parent
    defined_in: list[str] = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Assign):
                continue
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            literal = isinstance(node.value, ast.Tuple | ast.List) and {
                element.value for element in node.value.elts if isinstance(element, ast.Constant)
            } >= {"au", "br", "ca"}
            if "SINCH_REGIONS" in names or literal:
                defined_in.append(str(path.relative_to(package)))
    assert defined_in == ["models/sms.py"]


# -- send ----------------------------------------------------------------------------------------


def test_send_batch_posts_the_seed_body_with_headers(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(f"{US}/batches", status_code=201, json=BATCH_RESPONSE)
    batch = sinch(sleeps).send_batch(
        from_="+15551231234", to=["+15551256344"], body="YOUR_message_body", delivery_report="summary"
    )
    sent = http.last_request
    assert sent.json() == SEND_SAMPLE
    assert sent.headers["Authorization"] == f"Bearer {API_TOKEN}"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"].startswith(f"airflow-provider-sms/{__version__} python-requests/")
    assert batch.id == BATCH_ID
    assert batch.to == ["15551231234", "15551256344"]


def test_send_batch_accepts_a_mapping_with_wire_names(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(f"{US}/batches", status_code=201, json=BATCH_RESPONSE)
    sinch(sleeps).send_batch(SEND_SAMPLE)
    assert http.last_request.json() == SEND_SAMPLE


def test_send_batch_accepts_a_built_model(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(f"{US}/batches", status_code=201, json=BATCH_RESPONSE)
    sinch(sleeps).send_batch(SinchTextBatchRequest.build(SEND_SAMPLE))
    assert http.last_request.json() == SEND_SAMPLE


def test_send_batch_refuses_a_model_and_fields_together(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    with pytest.raises(TypeError, match="not both"):
        sinch(sleeps).send_batch(SinchTextBatchRequest.build(SEND_SAMPLE), body="other")
    assert http.call_count == 0


def test_send_batch_binary_type_uses_the_binary_body(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(f"{US}/batches", status_code=201, json={**BATCH_RESPONSE, "type": "mt_binary"})
    sinch(sleeps).send_batch(type="mt_binary", to=["+15551256344"], body="SGVsbG8=", udh="050003010201")
    assert http.last_request.json() == {
        "to": ["+15551256344"],
        "type": "mt_binary",
        "body": "SGVsbG8=",
        "udh": "050003010201",
    }
    assert isinstance(SinchBinaryBatchRequest.build(http.last_request.json()), SinchBinaryBatchRequest)


def test_send_batch_validation_error_names_position_masks_number_and_sends_nothing(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        sinch(sleeps).send_batch(to=["+15551256344", "0488023555x"], body="hi")
    assert http.call_count == 0
    assert [p.field for p in caught.value.problems] == ["to[1]"]
    assert "0488023555x" not in str(caught.value)


def test_send_batch_read_error_is_ambiguous_after_one_request(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(f"{US}/batches", exc=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(SmsAmbiguousResultError):
        sinch(sleeps).send_batch(SEND_SAMPLE)
    assert http.call_count == 1


def test_send_batch_retries_503_then_succeeds(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(f"{US}/batches", [{"status_code": 503}, {"status_code": 201, "json": BATCH_RESPONSE}])
    assert sinch(sleeps).send_batch(SEND_SAMPLE).id == BATCH_ID
    assert http.call_count == 2
    assert len(sleeps) == 1


def test_send_batch_400_code_and_text_shape(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(
        f"{US}/batches",
        status_code=400,
        json={"code": "syntax_invalid_parameter_format", "text": "'foo' is not a valid identifier"},
    )
    with pytest.raises(SmsBadRequestError) as caught:
        sinch(sleeps).send_batch(SEND_SAMPLE)
    assert (caught.value.vendor, caught.value.status) == ("Sinch", 400)
    assert caught.value.code == "syntax_invalid_parameter_format"
    assert caught.value.text == "'foo' is not a valid identifier"
    assert caught.value.path == f"/xms/v1/{PLAN}/batches"
    assert http.call_count == 1


def test_send_batch_400_error_envelope_shape_names_fields(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(
        f"{US}/batches",
        status_code=400,
        json={
            "error": {
                "code": 400,
                "message": "Invalid to",
                "status": "INVALID_ARGUMENT",
                "details": [{"fieldViolations": [{"field": "to", "description": "bad"}]}],
            }
        },
    )
    with pytest.raises(SmsBadRequestError) as caught:
        sinch(sleeps).send_batch(SEND_SAMPLE)
    assert (caught.value.code, caught.value.text, caught.value.fields) == (
        "INVALID_ARGUMENT",
        "Invalid to",
        ("to",),
    )


def test_unexpected_success_body_is_reported(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(f"{US}/batches", status_code=201, json=["not", "a", "batch"])
    with pytest.raises(
        SmsTransportError, match="send_batch succeeded but its response body has an unexpected shape"
    ):
        sinch(sleeps).send_batch(SEND_SAMPLE)


@pytest.mark.parametrize("reply", [{"text": ""}, {"text": '{"id": "01F'}, {"json": {"to": ["+61400000001"]}}])
def test_a_send_answered_without_a_batch_id_is_ambiguous_and_not_repeated(
    http: requests_mock.Mocker, sleeps: list[float], reply: dict[str, Any]
) -> None:
    http.post(f"{US}/batches", status_code=201, **reply)
    with pytest.raises(SmsAmbiguousResultError, match="may or may not have taken effect"):
        sinch(sleeps).send_batch(SEND_SAMPLE)
    assert http.call_count == 1


# -- dry run -------------------------------------------------------------------------------------


def test_dry_run_sends_query_and_body(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(
        f"{US}/batches/dry_run",
        json={
            "number_of_recipients": 2,
            "number_of_messages": 2,
            "per_recipient": [
                {"recipient": "+15551231234", "number_of_parts": 1, "body": "Hi Joe", "encoding": "GSM"}
            ],
        },
    )
    body = {
        "from": "+15551231234",
        "to": ["+15551231234", "+15551256344"],
        "body": "Hi ${name}",
        "parameters": {"name": {"+15551231234": "Joe", "default": "there"}},
    }
    result = sinch(sleeps).dry_run(body, per_recipient=True, number_of_recipients=500)
    assert http.last_request.qs == {"per_recipient": ["true"], "number_of_recipients": ["500"]}
    assert http.last_request.json() == {**body, "type": "mt_text"}
    assert result.number_of_messages == 2
    assert result.per_recipient is not None
    assert result.per_recipient[0].encoding == "GSM"


def test_dry_run_rejects_too_many_listed_recipients(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    with pytest.raises(SmsValidationError) as caught:
        sinch(sleeps).dry_run(SEND_SAMPLE, number_of_recipients=1001)
    assert [p.field for p in caught.value.problems] == ["number_of_recipients"]
    assert http.call_count == 0


# -- one batch -----------------------------------------------------------------------------------


def test_get_batch(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    assert sinch(sleeps).get_batch(BATCH_ID).client_reference == "string"
    assert http.last_request.method == "GET"


def test_batch_id_is_quoted_into_one_segment(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches/a%2Fb%3Fc", json=BATCH_RESPONSE)
    sinch(sleeps).get_batch("a/b?c")
    assert http.last_request.path == f"/xms/v1/{PLAN}/batches/a%2Fb%3Fc"


@pytest.mark.parametrize("batch_id", ["", "   ", "..", 42, None])
def test_invalid_batch_id_is_rejected_before_any_request(
    http: requests_mock.Mocker, sleeps: list[float], batch_id: Any
) -> None:
    client = sinch(sleeps)
    for call in (
        lambda: client.get_batch(batch_id),
        lambda: client.cancel_batch(batch_id),
        lambda: client.update_batch(batch_id, to_add=["+15551231234"]),
        lambda: client.replace_batch(batch_id, SEND_SAMPLE),
        lambda: client.send_delivery_feedback(batch_id, []),
        lambda: client.get_delivery_report(batch_id),
    ):
        with pytest.raises(SmsValidationError) as caught:
            call()
        assert caught.value.problems[0].field == "batch_id"
    assert http.call_count == 0


def test_update_batch_posts_seed_body_and_is_not_repeated_after_a_read_error(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(
        f"{US}/batches/{BATCH_ID}", [{"json": BATCH_RESPONSE}, {"exc": requests.exceptions.ReadTimeout}]
    )
    client = sinch(sleeps)
    client.update_batch(BATCH_ID, to_remove=["+16267890123"], to_add=["+15551231234"])
    assert http.last_request.json() == {"to_add": ["+15551231234"], "to_remove": ["+16267890123"]}
    with pytest.raises(SmsAmbiguousResultError):
        client.update_batch(BATCH_ID, {"to_add": ["+15551231234"]})
    assert http.call_count == 2


def test_update_batch_that_changes_nothing_is_rejected(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    with pytest.raises(SmsValidationError, match="at least one field"):
        sinch(sleeps).update_batch(BATCH_ID)
    assert http.call_count == 0


def test_replace_batch_puts_the_seed_body(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.put(f"{US}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    sinch(sleeps).replace_batch(
        BATCH_ID, {"to": ["+15551231234", "+15551256344"], "body": "This is a message to be sent!"}
    )
    assert http.last_request.json() == {
        "to": ["+15551231234", "+15551256344"],
        "body": "This is a message to be sent!",
        "type": "mt_text",
    }


def test_cancel_batch_deletes_and_returns_the_batch(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.delete(f"{US}/batches/{BATCH_ID}", json={**BATCH_RESPONSE, "canceled": True})
    assert sinch(sleeps).cancel_batch(BATCH_ID).canceled is True
    assert http.last_request.method == "DELETE"


def test_cancel_of_a_dispatched_batch_raises_forbidden(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.delete(
        f"{US}/batches/{BATCH_ID}",
        status_code=403,
        json={"code": "batch_already_dispatched", "text": "too late"},
    )
    with pytest.raises(SmsForbiddenError) as caught:
        sinch(sleeps).cancel_batch(BATCH_ID)
    assert caught.value.code == "batch_already_dispatched"
    assert http.call_count == 1


@pytest.mark.parametrize("recipients", [["+15551231234", "+15551256344"], []])
def test_send_delivery_feedback_posts_recipients_and_accepts_an_empty_202(
    http: requests_mock.Mocker, sleeps: list[float], recipients: list[str]
) -> None:
    http.post(f"{US}/batches/{BATCH_ID}/delivery_feedback", status_code=202, text="")
    assert sinch(sleeps).send_delivery_feedback(BATCH_ID, recipients) is None
    assert http.last_request.json() == {"recipients": recipients}


def test_send_delivery_feedback_rejects_a_bad_number(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    with pytest.raises(SmsValidationError) as caught:
        sinch(sleeps).send_delivery_feedback(BATCH_ID, ["+15551231234", "12"])
    assert caught.value.problems[0].field == "recipients[1]"
    assert http.call_count == 0
