"""Notifiers: ``sms.SmsNotifier`` (alias ``sms.send_sms_notification``)."""

from __future__ import annotations
