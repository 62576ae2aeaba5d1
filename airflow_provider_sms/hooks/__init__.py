"""Airflow hooks and the campaign engine.

``sms.SmsHook`` (vendor-neutral, with the sending types), ``tracking`` (what tracking returns),
``sinch.SinchHook``, ``fonedynamics.FoneDynamicsHook``, ``campaign`` (recipient sources, chunks, idempotency
keys, schedule policy) and ``_form`` (both connection forms). Nothing is imported here:
``get_provider_info`` reads the forms while Airflow is still starting up, before the hooks (which import
Airflow) can be loaded.
"""

from __future__ import annotations
