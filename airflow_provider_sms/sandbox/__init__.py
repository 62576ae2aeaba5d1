"""A local server that speaks the Sinch XMS and Fone Dynamics v2 APIs, for tests and offline development.

It is an independent reading of the vendors' contracts: nothing here imports ``clients/``, ``models/``
or Airflow, so a misreading of an API in one place shows up as a failing test instead of passing on both
sides. Start it with the ``airflow-sms-sandbox`` console script or, in tests, with
:mod:`airflow_provider_sms.sandbox.testing`.
"""

from __future__ import annotations
