"""Sensors: ``batch.SmsBatchSensor`` and ``delivery_report.SmsDeliveryReportSensor``."""

from __future__ import annotations
