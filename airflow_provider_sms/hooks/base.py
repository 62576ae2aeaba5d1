"""``SmsHook``: the vendor-neutral hook that SMS operators, sensors and notifiers talk to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar, get_args

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from airflow_provider_sms.exceptions import Problem, SmsCapabilityError, SmsValidationError
from airflow_provider_sms.hooks.sending import SendingOperations
from airflow_provider_sms.hooks.tracking import TrackingOperations

if TYPE_CHECKING:
    from airflow.sdk import Connection

#: Operations a vendor may or may not offer; operators check them before any request.
Capability = Literal["send", "dry_run", "replace", "update", "cancel", "feedback", "delivery_reports"]
ALL_CAPABILITIES: frozenset[str] = frozenset(get_args(Capability))
#: How each capability reads in "<vendor> has no API to <words>".
_CAPABILITY_WORDS: dict[str, str] = {
    "send": "send messages",
    "dry_run": "preview a send without sending",
    "replace": "replace a batch",
    "update": "update a batch",
    "cancel": "cancel a batch",
    "feedback": "report delivery feedback",
    "delivery_reports": "fetch delivery reports",
}


class ConnectionSettings(Protocol):
    """What every vendor's checked connection settings offer the neutral hook."""

    @property
    def default_from(self) -> str | None:
        """Sender used when a task gives none."""
        ...

    @property
    def secret(self) -> str:
        """The credential to register with Airflow's secret masker."""
        ...


SettingsT = TypeVar("SettingsT", bound=ConnectionSettings)
ClientT = TypeVar("ClientT")


class SmsHook(BaseHook, SendingOperations, TrackingOperations, ABC, Generic[SettingsT, ClientT]):
    """Vendor-neutral SMS hook: the connection is read and checked once, the client built once.

    Use :meth:`for_connection` to get the vendor hook that matches a connection's type. Vendor hooks expose
    each client method under the same name; this base offers what every vendor shares.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection; the subclass's default when empty.
    :param logger_name: Name of the hook's logger (see Airflow's ``BaseHook``).
    """

    conn_name_attr = "sms_conn_id"
    conn_type: ClassVar[str]
    default_conn_name: ClassVar[str]
    hook_name: ClassVar[str]
    #: Vendor name in messages, e.g. ``Sinch``.
    vendor: ClassVar[str]
    #: What the vendor's API can do, a subset of ``ALL_CAPABILITIES``.
    capabilities: ClassVar[frozenset[str]]

    def __init__(self, sms_conn_id: str | None = None, logger_name: str | None = None) -> None:
        super().__init__(logger_name=logger_name)
        self.sms_conn_id = sms_conn_id or self.default_conn_name
        self._connection: Connection | None = None
        self._client: ClientT | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sms_conn_id={self.sms_conn_id!r})"

    @classmethod
    def for_connection(cls, conn_id: str) -> SmsHook[Any, Any]:
        """Return the vendor hook for a connection, chosen by the connection's type.

        :param conn_id: Id of a ``sinch`` or ``fonedynamics`` connection.
        :raises SmsValidationError: the connection's type is not an SMS connection type.
        """
        connection = cls.get_connection(conn_id)
        hook_classes = _hook_classes()
        hook_class = hook_classes.get(str(connection.conn_type))
        if hook_class is None or not issubclass(hook_class, cls):
            supported = sorted(t for t, c in hook_classes.items() if issubclass(c, cls))
            problem = Problem(
                "conn_type", repr(connection.conn_type), f"must be one of {', '.join(supported)}"
            )
            raise SmsValidationError([problem], subject=f"SMS connection {conn_id!r}")
        hook = hook_class(sms_conn_id=conn_id)
        hook._connection = connection
        return hook

    @property
    def default_from(self) -> str | None:
        """The connection's default sender (``extra.default_from``), or ``None``."""
        return self.settings.default_from

    @cached_property
    def settings(self) -> SettingsT:
        """The connection's checked settings.

        :raises SmsValidationError: naming the connection and every bad field.
        """
        connection = self._airflow_connection()
        if connection.conn_type != self.conn_type:
            problem = Problem(
                "conn_type", repr(connection.conn_type), f"{type(self).__name__} needs {self.conn_type!r}"
            )
            raise SmsValidationError([problem], subject=f"{self.vendor} connection {self.sms_conn_id!r}")
        return self._read_settings(connection)

    def require(self, capability: Capability) -> None:
        """Fail unless the vendor can do ``capability``; call it before any request.

        :param capability: One of ``ALL_CAPABILITIES``.
        :raises SmsCapabilityError: the vendor's API has no such operation.
        """
        if capability not in ALL_CAPABILITIES:
            raise ValueError(
                f"unknown capability {capability!r}; known: {', '.join(sorted(ALL_CAPABILITIES))}"
            )
        if capability not in self.capabilities:
            raise SmsCapabilityError(self.vendor, _CAPABILITY_WORDS[capability])

    def get_conn(self) -> ClientT:
        """Return the vendor client, built on first use and then reused.

        The connection's secret is registered with Airflow's secret masker before the client exists.
        """
        if self._client is None:
            settings = self.settings
            mask_secret(settings.secret)
            self.log.info("Using %s connection %r", self.vendor, self.sms_conn_id)
            self._client = self._build_client(settings)
        return self._client

    def test_connection(self) -> tuple[bool, str]:
        """Make one harmless read with the connection's credentials; never sends a message.

        :return: Whether it worked, and a message naming the vendor (never a secret).
        """
        try:
            done = self._probe()
        except Exception as exc:
            return False, f"{self.vendor} connection test failed: {self._redact(str(exc))}"
        return True, f"{self.vendor} connection works: {done}"

    @abstractmethod
    def _read_settings(self, connection: Connection) -> SettingsT:
        """Read and check the connection; raise ``SmsValidationError`` naming every bad field."""

    @abstractmethod
    def _build_client(self, settings: SettingsT) -> ClientT:
        """Build the vendor client from checked settings."""

    @abstractmethod
    def _probe(self) -> str:
        """Make the connection test's single read request and say what it did."""

    def _airflow_connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.get_connection(self.sms_conn_id)
        return self._connection

    def _redact(self, text: str) -> str:
        secret = self._connection.password if self._connection is not None else None
        if secret and secret.strip():
            text = text.replace(secret.strip(), "***")
        return text


def _hook_classes() -> dict[str, type[SmsHook[Any, Any]]]:
    """Return the vendor hook classes by connection type (imported here: they import this module)."""
    from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
    from airflow_provider_sms.hooks.sinch import SinchHook

    return {SinchHook.conn_type: SinchHook, FoneDynamicsHook.conn_type: FoneDynamicsHook}
