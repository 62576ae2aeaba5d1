"""``FoneDynamicsHook``: a ``fonedynamics`` connection turned into a Fone Dynamics REST API v2 client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings
from airflow_provider_sms.hooks._delegate import ClientMethod
from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.hooks.fonedynamics_connection import (
    FONEDYNAMICS_CONN_TYPE,
    FONEDYNAMICS_CONNECTION_FORM,
    FONEDYNAMICS_DEFAULT_CONN_NAME,
    FONEDYNAMICS_HOOK_NAME,
    FoneDynamicsConnectionSettings,
    read_fonedynamics_connection,
)
from airflow_provider_sms.hooks.fonedynamics_sending import FoneDynamicsSending
from airflow_provider_sms.hooks.fonedynamics_tracking import FoneDynamicsTracking

if TYPE_CHECKING:
    from airflow.sdk import Connection

#: How far back the connection test looks for messages.
_TEST_WINDOW = timedelta(hours=1)


class FoneDynamicsHook(
    FoneDynamicsSending, FoneDynamicsTracking, SmsHook[FoneDynamicsConnectionSettings, FoneDynamicsClient]
):
    """Hook for the Fone Dynamics REST API v2 (messages).

    Connection: ``login`` is the account SID, ``password`` the account token, ``host`` an optional base URL
    override; ``extra`` holds ``property_sid``, ``default_from``, ``timeout`` and ``max_retries``.

    Every :class:`~airflow_provider_sms.clients.fonedynamics.FoneDynamicsClient` method is available on the
    hook under the same name and signature. Fone Dynamics has no API to replace, update or cancel a batch
    or to report delivery feedback: :meth:`require` fails for those before any request.

    :param sms_conn_id: Id of a ``fonedynamics`` connection.
    :param logger_name: Name of the hook's logger.
    """

    conn_type = FONEDYNAMICS_CONN_TYPE
    default_conn_name = FONEDYNAMICS_DEFAULT_CONN_NAME
    hook_name = FONEDYNAMICS_HOOK_NAME
    vendor = "Fone Dynamics"
    capabilities = frozenset({"send", "dry_run", "delivery_reports"})

    send_message = ClientMethod(FoneDynamicsClient.send_message)
    send_messages = ClientMethod(FoneDynamicsClient.send_messages)
    get_message = ClientMethod(FoneDynamicsClient.get_message)
    list_messages = ClientMethod(FoneDynamicsClient.list_messages)
    list_messages_page = ClientMethod(FoneDynamicsClient.list_messages_page)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the ``extra`` fields of the connection form (Airflow 3.1)."""
        return FONEDYNAMICS_CONNECTION_FORM.legacy_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return labels, placeholders and hidden standard fields of the connection form (Airflow 3.1)."""
        return FONEDYNAMICS_CONNECTION_FORM.legacy_ui_field_behaviour()

    def _read_settings(self, connection: Connection) -> FoneDynamicsConnectionSettings:
        return read_fonedynamics_connection(connection)

    def _build_client(self, settings: FoneDynamicsConnectionSettings) -> FoneDynamicsClient:
        client_settings = FoneDynamicsSettings(
            account_sid=settings.account_sid,
            token=settings.token,
            property_sid=settings.property_sid,
            base_url=settings.base_url,
            default_from=settings.default_from,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
        return FoneDynamicsClient(client_settings)

    def _probe(self) -> str:
        now = datetime.now(timezone.utc)
        self.list_messages_page(date_from=now - _TEST_WINDOW, date_to=now, results_count=1)
        return f"listed messages of property {self.settings.property_sid}"
