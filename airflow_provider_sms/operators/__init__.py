"""Airflow operators: ``send.SmsSendOperator``, ``dry_run.SmsDryRunOperator``, the batch lifecycle operators.

Nothing is imported here, so importing one operator module does not load the others.
"""

from __future__ import annotations
