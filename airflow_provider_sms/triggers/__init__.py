"""Triggers: ``batch.SmsBatchTrigger``, shared by the batch and delivery report sensors."""

from __future__ import annotations
