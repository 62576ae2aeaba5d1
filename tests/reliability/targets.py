"""How a bad-input case reaches its target: an operator or sensor executed, the notifier, a hook method.

Every target runs against the session's sandbox through the connections of ``conftest.py``. A case built
with ``native={...}`` renders its ``{{ params.x }}`` templates the way a DAG with
``render_template_as_native_obj=True`` does, so ints, dicts and lists reach the target as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from airflow.sdk import DAG, BaseSensorOperator

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.notifications.sms import SmsNotifier
from airflow_provider_sms.version_compat import AirflowFailException
from tests.reliability.conftest import CONN

#: Runs a case in a temporary directory (for the files it needs) and returns what the target returned.
Runner = Callable[[Path], object]


@dataclass(frozen=True)
class Csv:
    """A recipients file a case writes before it runs; the argument becomes the file's path.

    :param content: The file's bytes.
    """

    content: bytes


@dataclass(frozen=True)
class Case:
    """One bad input and what it must come to.

    :param id: The case's test id.
    :param run: Runs the target with the bad input.
    :param field: The field the error message must name (as ``field=`` or ``field[``).
    :param error: The exception type the target raises.
    :param cause: For operators and sensors: the provider error behind ``AirflowFailException``.
    """

    id: str
    run: Runner
    field: str
    error: type[BaseException] = AirflowFailException
    cause: type[BaseException] | None = SmsValidationError


def task_instance() -> Any:
    """A task instance as the operators read it (ids only)."""
    return mock.Mock(
        dag_id="reliability", task_id="bad_input", run_id="bad-input", map_index=-1, try_number=1
    )


def _resolved(value: object, directory: Path, name: str) -> object:
    if isinstance(value, Csv):
        path = directory / f"{name}.csv"
        path.write_bytes(value.content)
        return str(path)
    return value


def task(task_class: type[Any], vendor: str, native: dict[str, Any] | None = None, **kwargs: Any) -> Runner:
    """Return a runner that builds ``task_class`` (an operator or sensor) and executes it.

    :param task_class: The operator or sensor class.
    :param vendor: ``sinch`` or ``fonedynamics``.
    :param native: Template values rendered natively; ``None`` renders nothing.
    :param kwargs: The task's arguments; a :class:`Csv` becomes a file path.
    """

    def run(directory: Path) -> object:
        arguments = {name: _resolved(value, directory, name) for name, value in kwargs.items()}
        arguments.setdefault("sms_conn_id", CONN[vendor])
        if issubclass(task_class, BaseSensorOperator):  # a sensor that wrongly starts waiting ends soon
            arguments = {"poke_interval": 0.1, "timeout": 3, "deferrable": False, **arguments}
        with DAG("reliability", schedule=None, render_template_as_native_obj=native is not None):
            operator = task_class(task_id="bad_input", **arguments)
        context: dict[str, Any] = {"ti": task_instance(), "params": native or {}, "run_id": "bad-input"}
        if native is not None:
            operator.render_template_fields(context)
        return operator.execute(context)

    return run


def notifier(vendor: str, native: dict[str, Any] | None = None, **kwargs: Any) -> Runner:
    """Return a runner that renders an ``SmsNotifier`` as a callback would, then notifies.

    :param vendor: ``sinch`` or ``fonedynamics``.
    :param native: Template values rendered natively; ``None`` renders the templates as text.
    :param kwargs: The notifier's arguments.
    """

    def run(directory: Path) -> object:
        with DAG("reliability", schedule=None, render_template_as_native_obj=native is not None) as dag:
            pass
        sms = SmsNotifier(sms_conn_id=CONN[vendor], **kwargs)
        context: dict[str, Any] = {"dag": dag, "params": native or {}, "run_id": "bad-input"}
        context["ti"] = task_instance()
        sms.render_template_fields(context)  # type: ignore[arg-type]
        sms.notify(context)  # type: ignore[arg-type]
        return None

    return run


def hook(vendor: str, method: str, *args: Any, **kwargs: Any) -> Runner:
    """Return a runner that calls a method of the connection's vendor hook.

    :param vendor: ``sinch`` or ``fonedynamics``.
    :param method: The hook method, e.g. ``send_batch``.
    :param args: Its positional arguments.
    :param kwargs: Its keyword arguments.
    """

    def run(directory: Path) -> object:
        return getattr(SmsHook.for_connection(CONN[vendor]), method)(*args, **kwargs)

    return run
