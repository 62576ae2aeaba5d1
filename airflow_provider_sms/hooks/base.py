"""Former home of ``SmsHook``: ``from airflow_provider_sms.hooks.base import SmsHook`` still works.

Import it from :mod:`airflow_provider_sms.hooks.sms` instead.
"""

from __future__ import annotations

import warnings

from airflow_provider_sms.hooks.sms import SmsHook

warnings.warn(
    "airflow_provider_sms.hooks.base is deprecated; import SmsHook from airflow_provider_sms.hooks.sms",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["SmsHook"]
