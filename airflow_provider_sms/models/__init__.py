"""Pydantic wire models of both vendor APIs and what they share; no Airflow import, no I/O.

:mod:`.sms` holds the shared parts (base classes, phone numbers, senders, encoding, statuses),
:mod:`.sinch` and :mod:`.fonedynamics` each vendor's requests, responses, queries and error bodies.
"""
