"""Private helpers of ``SmsSendOperator`` and ``SmsDryRunOperator``: one concern per module.

``keys`` (idempotency keys), ``schedule`` (``send_at`` parsing and the past-schedule policy), ``sources``
(recipients streamed from a list, a CSV file or ``messages``), ``chunks`` (per-recipient checks and
chunking), ``summary`` (the small XCom result) and ``operator`` (the arguments both operators share).
"""

from __future__ import annotations
