"""Bad connections, table-driven: each is refused naming its field before any request, and nothing is sent.

Every case defines a connection to the sandbox that is wrong in one way (a typo'd or unknown ``extra`` key,
a setting out of bounds, plain ``http://`` to another machine, a Sinch send without any sender ...) and
runs a real ``SmsSendOperator`` send through it. Each case asserts the exception type, that the message
names the field (and never a secret), that no HTTP request was made, and that the sandbox's counters and
handsets are unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.clients.transport import HttpTransport
from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.version_compat import AirflowFailException

SANDBOX = SandboxConfig()
SECRETS = (SANDBOX.sinch_api_token, SANDBOX.sinch_key_secret, SANDBOX.fone_token)
RECIPIENTS = ["+61400200101", "+61400200102"]
NOT_LOOPBACK = (
    "http://sms.example.com",
    "http://10.0.0.5:8025",
    "http://127.0.0.1.nip.io",
    "http://[::2]:80",
)


@dataclass(frozen=True)
class Case:
    """One bad connection (or a bad send through a good one).

    :param name: The case id.
    :param vendor: ``sinch``, ``sinch_oauth2`` or ``fonedynamics``.
    :param field: The field the error must name, as the message shows it.
    :param extra: Keys merged over the sandbox connection's ``extra``; ``None`` values delete a key.
    :param connection: Top-level connection fields merged over it (``host``, ``login`` ...).
    :param send: Operator arguments merged over the default send.
    :param words: Text the message must also hold (the rule).
    """

    name: str
    vendor: str
    field: str
    extra: dict[str, Any] = field(default_factory=dict)
    connection: dict[str, Any] = field(default_factory=dict)
    send: dict[str, Any] = field(default_factory=dict)
    words: tuple[str, ...] = ()


def limits(vendor: str) -> list[Case]:
    """Bounds of the settings both vendors share."""
    return [
        *[
            Case(f"{vendor}-timeout-{raw}", vendor, "extra.timeout", {"timeout": raw}, words=("at most 300",))
            for raw in (1e9, 301, 0, -1, "soon", True, float("nan"))
        ],
        *[
            Case(
                f"{vendor}-max_retries-{raw}",
                vendor,
                "extra.max_retries",
                {"max_retries": raw},
                words=("0 to 10",),
            )
            for raw in (1000, 11, -1, 2.5, "many")
        ],
        *[
            Case(
                f"{vendor}-max_retry_wait-{raw}",
                vendor,
                "extra.max_retry_wait",
                {"max_retry_wait": raw},
                words=("at most 3600",),
            )
            for raw in (1e6, 3601, -1, "forever")
        ],
        *[
            Case(
                f"{vendor}-max_concurrent_requests-{raw!r}",
                vendor,
                "extra.max_concurrent_requests",
                {"max_concurrent_requests": raw},
                words=("from 1 to 32",),
            )
            for raw in (0, 33, -1, 2.5, "many", True)
        ],
        *[
            Case(
                f"{vendor}-max_recipients_per_second-{raw!r}",
                vendor,
                "extra.max_recipients_per_second",
                {"max_recipients_per_second": raw},
                words=("from 1 to 1000000",),
            )
            for raw in (0, -5, 1.5, "fast", 2_000_000, False)
        ],
        *[
            Case(
                f"{vendor}-allow_insecure_http-{raw!r}",
                vendor,
                "extra.allow_insecure_http",
                {"allow_insecure_http": raw},
                words=("true or false",),
            )
            for raw in ("yes", 1, [True])
        ],
    ]


def plain_http(vendor: str) -> list[Case]:
    """Plain http to another machine, without ``allow_insecure_http``."""
    return [
        Case(f"{vendor}-host-{url}", vendor, "host", connection={"host": url}, words=("plain http://",))
        for url in NOT_LOOPBACK
    ]


CASES: list[Case] = [
    # -- unknown extra keys: a typo must not leave a setting silently at its default
    Case("sinch-typo-regoin", "sinch", "extra.regoin", {"regoin": "eu"}, words=("did you mean 'region'",)),
    Case("sinch-case-Region", "sinch", "extra.Region", {"Region": "eu"}, words=("did you mean 'region'",)),
    Case(
        "sinch-airflow2-prefix",
        "sinch",
        "extra.extra__sinch__region",
        {"extra__sinch__region": "eu"},
        words=("did you mean 'region'",),
    ),
    Case("sinch-typo-timout", "sinch", "extra.timout", {"timout": 5}, words=("did you mean 'timeout'",)),
    Case("sinch-typo-max_retry", "sinch", "extra.max_retry", {"max_retry": 1}, words=("known keys",)),
    Case("sinch-typo-defualt_from", "sinch", "extra.defualt_from", {"defualt_from": "Acme"}),
    Case("sinch-secret-in-extra", "sinch", "extra.api_token", {"api_token": SANDBOX.sinch_api_token}),
    Case("sinch-fone-key", "sinch", "extra.property_sid", {"property_sid": "PR1"}),
    Case("oauth2-typo-projectid", "sinch_oauth2", "extra.projectid", {"projectid": "p1"}),
    Case("fone-typo-proprety_sid", "fonedynamics", "extra.proprety_sid", {"proprety_sid": "PR1"}),
    Case("fone-sinch-key-region", "fonedynamics", "extra.region", {"region": "au"}, words=("known keys",)),
    Case(
        "fone-sinch-key-originator",
        "fonedynamics",
        "extra.has_default_originator",
        {"has_default_originator": True},
    ),
    Case("fone-typo-timeout", "fonedynamics", "extra.time_out", {"time_out": 5}),
    # -- bounds
    *limits("sinch"),
    *limits("fonedynamics"),
    Case(
        "sinch-has_default_originator-yes",
        "sinch",
        "extra.has_default_originator",
        {"has_default_originator": "yes"},
    ),
    # -- plain http: host, token URL, callback and webhook URLs
    *plain_http("sinch"),
    *plain_http("fonedynamics"),
    Case(
        "oauth2-auth_url-http",
        "sinch_oauth2",
        "extra.auth_url",
        {"auth_url": "http://auth.example.com/oauth2/token"},
        words=("plain http://",),
    ),
    Case(
        "oauth2-auth_url-lookalike",
        "sinch_oauth2",
        "extra.auth_url",
        {"auth_url": "http://localhost.example.com/oauth2/token"},
    ),
    Case(
        "sinch-callback_url-http",
        "sinch",
        "callback_url",
        send={"vendor_options": {"callback_url": "http://hooks.example.com/dlr"}},
        words=("plain http://",),
    ),
    Case(
        "fone-receipt-webhook-http",
        "fonedynamics",
        "delivery_receipt_webhook_uri",
        send={
            "vendor_options": {
                "delivery_receipt": True,
                "delivery_receipt_webhook_uri": "http://hooks.example.com/dlr",
            }
        },
        words=("plain http://",),
    ),
    Case(
        "fone-reply-webhook-http",
        "fonedynamics",
        "webhook_uri",
        send={"vendor_options": {"webhook_uri": "http://hooks.example.com/replies"}},
        words=("plain http://",),
    ),
    # -- a Sinch send that no sender would reach: refused, saying which settings would make it right
    Case(
        "sinch-no-sender",
        "sinch",
        "from_",
        send={"from_": None},
        words=("extra.default_from", "extra.has_default_originator", "code 410"),
    ),
    Case(
        "oauth2-no-sender",
        "sinch_oauth2",
        "from_",
        send={"from_": None},
        words=("extra.has_default_originator",),
    ),
    Case(
        "sinch-no-sender-originator-false",
        "sinch",
        "from_",
        {"has_default_originator": "false"},
        send={"from_": None},
    ),
    # -- older rules, kept in the table so the suite covers the whole connection
    Case("sinch-region-mars", "sinch", "extra.region", {"region": "mars"}),
    Case("oauth2-region-au", "sinch_oauth2", "extra.region", {"region": "au"}),
    Case("sinch-default_from-bad", "sinch", "extra.default_from", {"default_from": "+0612345678901"}),
    Case("sinch-host-credentials", "sinch", "host", connection={"host": "https://u:p@sms.example.com"}),
    Case("fone-property-path", "fonedynamics", "extra.property_sid", {"property_sid": "PR/../x"}),
    Case("fone-no-login", "fonedynamics", "login", connection={"login": None}),
]


def base_connection(vendor: str, url: str) -> dict[str, Any]:
    if vendor == "sinch":
        return sinch_connection(url)
    if vendor == "sinch_oauth2":
        return sinch_connection(url, auth_type="oauth2")
    return fonedynamics_connection(url)


def bad_connection(case: Case, url: str) -> dict[str, Any]:
    conn = copy.deepcopy(base_connection(case.vendor, url))
    conn["extra"] = {**conn["extra"], **case.extra}
    for name, value in case.connection.items():
        if value is None:
            conn.pop(name, None)
        else:
            conn[name] = value
    return conn


def count_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every request the transport makes (the real method still runs)."""
    made: list[str] = []
    real = HttpTransport.request

    def recording(self: HttpTransport, method: str, path: str, **kwargs: Any) -> Any:
        made.append(f"{method} {path}")
        return real(self, method, path, **kwargs)

    monkeypatch.setattr(HttpTransport, "request", recording)
    return made


def attempt_send(conn_id: str, vendor: str, **arguments: Any) -> Callable[[], Any]:
    send: dict[str, Any] = {"to": RECIPIENTS, "body": "Hello"}
    if vendor != "fonedynamics":
        send["from_"] = "Acme"
    send.update(arguments)
    operator = SmsSendOperator(task_id="send", sms_conn_id=conn_id, **send)
    ti = mock.Mock(dag_id="bad_connections", task_id="send", run_id="run1", map_index=-1)
    return lambda: operator.execute({"ti": ti})  # type: ignore[arg-type]


def sandbox_state(sandbox: SandboxServer) -> tuple[dict[str, int], int]:
    stats = sandbox.stats()
    return stats["counters"], stats["inbox_total"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_connection_is_refused_naming_its_field_and_nothing_is_sent(
    case: Case, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env("sms_bad", bad_connection(case, sandbox.url)))
    made = count_requests(monkeypatch)
    before = sandbox_state(sandbox)

    with pytest.raises(AirflowFailException) as raised:
        attempt_send("sms_bad", case.vendor, **case.send)()

    assert isinstance(raised.value.__cause__, SmsValidationError), repr(raised.value.__cause__)
    message = str(raised.value)
    assert f"{case.field}=" in message, message
    assert "nothing was sent" in message
    for words in case.words:
        assert words in message, message
    assert not any(secret in message for secret in SECRETS)
    assert made == []
    assert sandbox_state(sandbox) == before


def test_the_table_has_a_case_for_every_kind_of_bad_connection() -> None:
    assert len(CASES) >= 70
    kinds = {case.field.split(".")[-1] for case in CASES}
    assert {"timeout", "max_retries", "max_retry_wait", "allow_insecure_http", "host", "auth_url"} <= kinds
    assert {"max_concurrent_requests", "max_recipients_per_second"} <= kinds
    assert {"callback_url", "delivery_receipt_webhook_uri", "webhook_uri", "from_"} <= kinds


# -- what must keep working: loopback without permission, other http with it, the plan's default originator


@pytest.mark.parametrize("vendor", ["sinch", "sinch_oauth2", "fonedynamics"])
def test_the_sandbox_on_loopback_needs_no_permission(
    vendor: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env("sms_loopback", base_connection(vendor, sandbox.url)))

    result = attempt_send("sms_loopback", vendor)()

    assert result["recipients"] == len(RECIPIENTS)


def test_localhost_by_name_is_loopback_too(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sandbox.url.replace("127.0.0.1", "localhost")
    monkeypatch.setenv(*connection_env("sms_localhost", base_connection("fonedynamics", url)))

    assert attempt_send("sms_localhost", "fonedynamics")()["recipients"] == len(RECIPIENTS)


def test_allow_insecure_http_lets_plain_http_through_with_a_warning(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    conn = base_connection("sinch", sandbox.url)
    conn["extra"]["allow_insecure_http"] = True
    monkeypatch.setenv(*connection_env("sms_http_ok", conn))
    callback = "http://dlr-receiver.example.test/sinch"

    with caplog.at_level("WARNING"):
        operator = attempt_send(
            "sms_http_ok", "sinch", vendor_options={"callback_url": callback, "delivery_report": "none"}
        )
        result = operator()

    assert result["recipients"] == len(RECIPIENTS)
    assert "callback_url=http://dlr-receiver.example.test uses plain http" in caplog.text


def test_a_plan_with_a_default_originator_may_send_without_a_sender(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = base_connection("sinch", sandbox.url)
    conn["extra"]["has_default_originator"] = True
    monkeypatch.setenv(*connection_env("sms_plan_from", conn))

    result = attempt_send("sms_plan_from", "sinch", from_=None)()

    assert result["recipients"] == len(RECIPIENTS)
