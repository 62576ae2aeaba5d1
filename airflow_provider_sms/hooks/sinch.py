"""``SinchHook``: a ``sinch`` connection turned into a Sinch SMS API client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk.log import mask_secret

from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.hooks._delegate import ClientMethod
from airflow_provider_sms.hooks.base import ALL_CAPABILITIES, SmsHook
from airflow_provider_sms.hooks.sinch_connection import (
    AUTH_OAUTH2,
    SINCH_CONN_TYPE,
    SINCH_CONNECTION_FORM,
    SINCH_DEFAULT_CONN_NAME,
    SINCH_HOOK_NAME,
    SinchConnectionSettings,
    read_sinch_connection,
)
from airflow_provider_sms.hooks.sinch_sending import SinchSending
from airflow_provider_sms.hooks.sinch_tracking import SinchTracking

if TYPE_CHECKING:
    from airflow.sdk import Connection


class SinchHook(SinchSending, SinchTracking, SmsHook[SinchConnectionSettings, SinchClient]):
    """Hook for the Sinch SMS REST API (XMS batches).

    Connection: ``login`` is the service plan ID (or the access key ID for OAuth2), ``password`` the API token
    (or the access key secret), ``host`` an optional base URL override; ``extra`` holds ``region``
    (us, eu, au, br, ca), ``auth_type`` (api_token, oauth2), ``project_id``, ``auth_url``, ``default_from``,
    ``timeout`` and ``max_retries``.

    Every :class:`~airflow_provider_sms.clients.sinch.SinchClient` method is available on the hook under
    the same name and signature.

    :param sms_conn_id: Id of a ``sinch`` connection.
    :param logger_name: Name of the hook's logger.
    """

    conn_type = SINCH_CONN_TYPE
    default_conn_name = SINCH_DEFAULT_CONN_NAME
    hook_name = SINCH_HOOK_NAME
    vendor = "Sinch"
    capabilities = ALL_CAPABILITIES

    send_batch = ClientMethod(SinchClient.send_batch)
    dry_run = ClientMethod(SinchClient.dry_run)
    list_batches = ClientMethod(SinchClient.list_batches)
    list_batches_page = ClientMethod(SinchClient.list_batches_page)
    get_batch = ClientMethod(SinchClient.get_batch)
    update_batch = ClientMethod(SinchClient.update_batch)
    replace_batch = ClientMethod(SinchClient.replace_batch)
    cancel_batch = ClientMethod(SinchClient.cancel_batch)
    send_delivery_feedback = ClientMethod(SinchClient.send_delivery_feedback)
    get_delivery_report = ClientMethod(SinchClient.get_delivery_report)
    get_recipient_delivery_report = ClientMethod(SinchClient.get_recipient_delivery_report)
    list_delivery_reports = ClientMethod(SinchClient.list_delivery_reports)
    list_delivery_reports_page = ClientMethod(SinchClient.list_delivery_reports_page)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the ``extra`` fields of the connection form (Airflow 3.1)."""
        return SINCH_CONNECTION_FORM.legacy_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return labels, placeholders and hidden standard fields of the connection form (Airflow 3.1)."""
        return SINCH_CONNECTION_FORM.legacy_ui_field_behaviour()

    def _read_settings(self, connection: Connection) -> SinchConnectionSettings:
        return read_sinch_connection(connection)

    def _build_client(self, settings: SinchConnectionSettings) -> SinchClient:
        oauth = settings.auth_type == AUTH_OAUTH2
        client_settings = SinchSettings(
            region=settings.region,
            auth_type=settings.auth_type,
            service_plan_id=None if oauth else settings.login,
            api_token=None if oauth else settings.password,
            project_id=settings.project_id if oauth else None,
            key_id=settings.login if oauth else None,
            key_secret=settings.password if oauth else None,
            base_url=settings.base_url,
            auth_url=settings.auth_url,
            default_from=settings.default_from,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
        return SinchClient(client_settings, on_new_token=mask_secret)

    def _probe(self) -> str:
        self.list_batches_page(page_size=1)
        return f"listed batches in region {self.settings.region}"
