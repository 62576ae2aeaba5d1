"""Airflow plugins of the provider: the webhook receiver the API server mounts (:mod:`~.webhooks`)."""
