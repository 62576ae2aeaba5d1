"""A local server that speaks the Sinch XMS and Fone Dynamics v2 APIs, for tests and offline development.

It is an independent reading of the vendors' contracts: nothing here imports ``clients/``, ``models/``
or Airflow, so a misreading of an API in one place shows up as a failing test instead of passing on both
sides. Start it with the ``airflow-sms-sandbox`` console script or, in tests, with
:mod:`airflow_provider_sms.sandbox.testing`. It needs the optional dependencies of the ``sandbox`` extra
(``pip install 'airflow-provider-sms[sandbox]'``).

Modules, each importing only those listed before it:

- :mod:`~.config`: the settings (:class:`~.config.SandboxConfig`); no dependencies.
- :mod:`~.callbacks`: loopback checks, and the dispatcher of every callback (retries on the sandbox
  clock, repeats, signing hook, log); no dependencies.
- :mod:`~.core`: what both vendor APIs share: the context, clock, state store, inboxes, injected
  inbound messages, outcomes by number and SMS part counting.
- :mod:`~.sinch_requests`, :mod:`~.sinch_batches`, :mod:`~.sinch_reports`, :mod:`~.sinch_inbounds`,
  :mod:`~.sinch`: the Sinch API: request checks, batches over time, response bodies, inbound messages
  and callback signing, then the service and its routes.
- :mod:`~.fonedynamics_messages`, :mod:`~.fonedynamics`: the Fone Dynamics API: message checks and
  state (inbound messages and webhooks included), then the endpoints and their routes.
- :mod:`~.app`: the ASGI application: both APIs, the ``/_sandbox/`` control endpoints, faults, ticks.
- :mod:`~.cli` (the console script) and :mod:`~.testing` (a threaded server and connection helpers).
"""

from __future__ import annotations

from importlib.util import find_spec

# What the code imports from the ``sandbox`` extra (pyproject.toml); starlette comes with fastapi.
EXTRA_MODULES = ("fastapi", "starlette", "uvicorn")


def missing_extra() -> str | None:
    """Return why the sandbox cannot serve here (a module of its extra is not installed), else ``None``."""
    missing = [name for name in EXTRA_MODULES if find_spec(name) is None]
    if not missing:
        return None
    return (
        f"the SMS sandbox needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
        "installed; install the sandbox extra: pip install 'airflow-provider-sms[sandbox]'"
    )
