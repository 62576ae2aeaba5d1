"""``SmsNotifier``: an SMS from a DAG or task callback, a deadline alert or a Human-in-the-loop request."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier
from asgiref.sync import sync_to_async

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.hooks.campaign import Campaign
from airflow_provider_sms.hooks.sms import SmsHook, earliest_send
from airflow_provider_sms.models.sms import mask_msisdn

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Task instance attributes that, with the run id, make one notification distinct (its idempotency key).
_TI_KEY_SOURCES = ("dag_id", "task_id", "map_index", "try_number")


class SmsNotifier(BaseNotifier):
    """Send one SMS to one or more numbers when a callback fires.

    Use it in ``on_failure_callback``, ``on_success_callback`` (of a task or a DAG) or as a deadline alert
    callback (``async_notify`` runs in the triggerer). The arguments are Jinja templates rendered with the
    callback's context: ``{{ ti.task_id }}``, ``{{ dag.dag_id }}``, ``{{ run_id }}``, ``{{ exception }}`` ...

    As a notifier of a Human-in-the-loop operator (``HITLOperator(notifiers=[SmsNotifier(...)])``, Airflow
    3.1+) the context also holds ``{{ required_action_url }}``, the link to the request in the UI (built
    from ``[api] base_url``), and ``body`` may be left out: the SMS then carries the request's subject and
    that link.

    The message is validated with the vendor's rules (numbers, sender, body) before anything is sent, and
    phone numbers are masked in the log. A number listed twice gets one SMS. With
    ``render_template_as_native_obj=True`` a number rendered as an int gets its ``+`` back and an int body
    is sent as its digits.

    :param sms_conn_id: Id of a ``sinch`` or ``fonedynamics`` connection. (templated)
    :param to: One E.164 number or a list of them (not a mapping, a set or a file). (templated)
    :param body: The text; optional only in a Human-in-the-loop operator. (templated)
    :param from_: Sender id; the connection's default sender when ``None``. (templated)
    :param context: The context to render with when the notifier is awaited (deadline alerts pass it).
    """

    template_fields = ("sms_conn_id", "to", "body", "from_")

    def __init__(
        self,
        *,
        sms_conn_id: str,
        to: str | Sequence[str],
        body: str | None = None,
        from_: str | None = None,
        context: Context | None = None,
    ) -> None:
        # Deadline alerts build the notifier in the triggerer with the run's context and then await it.
        super().__init__(context)
        self.sms_conn_id = sms_conn_id
        self.to = to
        self.body = body
        self.from_ = from_

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render the templates; ``{{ exception }}`` is ``None`` where the callback's context has none.

        :param context: The callback's context.
        :param jinja_env: Jinja environment to render with.
        """
        context.setdefault("exception", None)
        url = _required_action_url(context)
        if url is not None:
            context["required_action_url"] = url  # type: ignore[typeddict-unknown-key]
            if self.body is None:
                self.body = f"{getattr(context['task'], 'subject', '')}\n{url}"
        super().render_template_fields(context, jinja_env)

    @cached_property
    def hook(self) -> SmsHook:
        """The vendor hook for ``sms_conn_id``."""
        return SmsHook.for_connection(self.sms_conn_id)

    def notify(self, context: Context) -> None:
        """Validate, then send the SMS once (a repeated callback finds what its key already sent).

        :param context: The callback's context (templates are already rendered).
        :raises SmsValidationError: a number, the sender or the body breaks the vendor's rules; nothing
            was sent.
        """
        numbers = _numbers(self.to)
        if self.body is None:
            rule = "is required, except in a Human-in-the-loop operator (which gives its subject and link)"
            raise SmsValidationError([Problem("body", "None", rule)], "SMS notification")
        hook = self.hook
        campaign = Campaign.build(
            hook,
            key=_notification_key(context, numbers, str(self.body)),
            to=numbers,
            body=self.body,
            from_=self.from_,
            sent_since=earliest_send(context),
        )
        campaign.validate()
        sent = [outcome.sent for outcome in campaign.send(self.log)]
        shown = ", ".join(mask_msisdn(n) for n in numbers[:5]) + (" ..." if len(numbers) > 5 else "")
        batches = ", ".join(s.batch_id for s in sent)
        accepted = sum(s.accepted for s in sent)
        self.log.info("Sent SMS notification %s to %d recipient(s): %s", batches, accepted, shown)

    async def async_notify(self, context: Context) -> None:
        """Send the SMS without blocking the event loop (the triggerer's, for deadline alerts).

        :param context: The callback's context.
        """
        await sync_to_async(self.notify)(context)


def _required_action_url(context: Context) -> str | None:
    """Return the link to the required action when the context's task is a Human-in-the-loop operator.

    :raises SmsValidationError: ``[api] base_url`` is not set, so no link can be built.
    """
    task = context.get("task")
    link = getattr(task, "generate_link_to_ui", None)
    if link is None or "ti" not in context:
        return None
    try:
        url: str = link(task_instance=context["ti"])
    except ValueError as error:  # Airflow cannot build a link without its API server's address
        rule = "must be set for an SMS to link to the Human-in-the-loop request"
        raise SmsValidationError([Problem("[api] base_url", "None", rule)], "SMS notification") from error
    return url


def _numbers(to: object) -> list[object]:
    """Return ``to`` as a list: one number (text, or an int whose ``+`` native rendering dropped) or a list.

    :raises SmsValidationError: ``to`` is neither (a mapping, a set, bytes, ``None`` ...).
    """
    if isinstance(to, (str, int)) and not isinstance(to, bool):
        return [to]
    if isinstance(to, (list, tuple)):
        return list(to)
    rule = "must be one E.164 number or a list of them"
    raise SmsValidationError([Problem("to", f"<{type(to).__name__}>", rule)], "SMS notification")


def _notification_key(context: Context, numbers: Sequence[object], body: str) -> str:
    """Return an idempotency key unique to this callback, its recipients and its text."""
    ti = context.get("ti")
    parts = [str(context.get("run_id", "")), *(str(getattr(ti, name, "")) for name in _TI_KEY_SOURCES)]
    identity = "\x1f".join([*parts, *(str(n) for n in numbers), body])
    # A broken surrogate must reach the body check (and its named error), not fail the hash.
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
    return f"notify-{digest[:40]}"


#: Alias in the style of Airflow's notifier modules: ``on_failure_callback=send_sms_notification(...)``.
send_sms_notification = SmsNotifier
