"""Airflow hooks: ``base.SmsHook`` (vendor-neutral), ``sinch.SinchHook``, ``fonedynamics.FoneDynamicsHook``.

Nothing is imported here: ``get_provider_info`` reads the connection forms from this package while Airflow is
still starting up, before the hooks (which import Airflow) can be loaded.
"""

from __future__ import annotations
