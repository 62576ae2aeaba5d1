"""The sandbox's Fone Dynamics REST API v2: messages, batch messages, search, leases and receipt webhooks."""

from __future__ import annotations
