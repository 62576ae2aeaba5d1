"""Helpers the example campaign DAGs share: the audience file, the campaign's keys and the summary.

Airflow puts the dags folder on ``sys.path``, so the example DAGs import this package by name.
``.airflowignore`` keeps the DAG parser out of it.
"""

from __future__ import annotations
