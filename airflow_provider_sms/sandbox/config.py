"""Settings of a sandbox server: where it listens, the credentials it accepts, timing and faults."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FaultConfig:
    """Faults injected into vendor API requests (never into ``/_sandbox/`` control requests).

    :param latency_ms: Delay added before every vendor request is handled, in milliseconds.
    :param error_rate: Share of vendor requests (0 to 1) answered with ``error_status`` and no effect.
    :param error_status: HTTP status of an injected error, e.g. 500 or 503.
    :param rate_limit_per_s: Vendor requests allowed per second; beyond it a 429 with ``Retry-After``.
        ``0`` means no limit.
    :param drop_after_commit_rate: Share of vendor requests (0 to 1) that take effect but whose connection
        is dropped before the response body is sent: the ambiguous failure that causes duplicate sends.
    """

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 500
    rate_limit_per_s: float = 0.0
    drop_after_commit_rate: float = 0.0

    def active(self) -> bool:
        """Return whether any fault is switched on."""
        return bool(
            self.latency_ms or self.error_rate or self.rate_limit_per_s or self.drop_after_commit_rate
        )


@dataclass
class SandboxConfig:
    """Everything a sandbox server needs to start.

    :param host: Interface to listen on; loopback unless remote access is asked for explicitly.
    :param port: TCP port to listen on (``0`` picks a free one in tests).
    :param sinch_service_plan_id: Sinch service plan id accepted in ``/xms/v1/{service_plan_id}/...``.
    :param sinch_api_token: Sinch API token accepted as ``Authorization: Bearer``.
    :param sinch_key_id: Sinch OAuth2 access key id accepted by ``/oauth2/token``.
    :param sinch_key_secret: Sinch OAuth2 access key secret accepted by ``/oauth2/token``.
    :param sinch_project_id: Sinch project id accepted in ``/xms/v1/{project_id}/...`` with OAuth2.
    :param sinch_token_ttl: Lifetime in seconds of an OAuth2 access token issued by the sandbox.
    :param sinch_callback_url: The Sinch service plan's callback URL (set on the dashboard for a real
        plan): where MO (inbound) messages go, and delivery reports of batches without ``callback_url``.
        Loopback http(s) only; ``None`` for none.
    :param sinch_callback_secret: Secret that signs every Sinch callback (``X-Sinch-Webhook-Signature``);
        ``None`` sends them unsigned.
    :param fone_account_sid: Fone Dynamics account SID (HTTP Basic user name).
    :param fone_token: Fone Dynamics token (HTTP Basic password).
    :param fone_property_sid: The one Fone Dynamics property that exists in the sandbox.
    :param delivery_delay: Seconds between dispatch and the final delivery outcome.
    :param callback_retry_s: Sandbox seconds before a failed callback is first retried; each later retry
        waits twice as long (Sinch documents 5 s).
    :param seed: Seed of the sandbox's randomness (faults, ids); ``None`` for a random seed.
    :param state_file: SQLite file that keeps vendor state across restarts; ``None`` keeps it in memory.
    :param faults: Faults active from the start.
    """

    host: str = "127.0.0.1"
    port: int = 8025
    sinch_service_plan_id: str = "sandbox"
    sinch_api_token: str = "sandbox-token"  # noqa: S105 - a well-known sandbox credential, not a secret
    sinch_key_id: str = "sandbox-key"
    sinch_key_secret: str = "sandbox-secret"  # noqa: S105 - a well-known sandbox credential, not a secret
    sinch_project_id: str = "sandbox-project"
    sinch_token_ttl: int = 3599
    sinch_callback_url: str | None = None
    sinch_callback_secret: str | None = field(default=None, repr=False)
    fone_account_sid: str = "ACSANDBOX"
    fone_token: str = "sandbox-token"  # noqa: S105 - a well-known sandbox credential, not a secret
    fone_property_sid: str = "PRSANDBOX"
    delivery_delay: float = 2.0
    callback_retry_s: float = 5.0
    seed: int | None = None
    state_file: str | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
