"""The sandbox clock: real time plus an offset that tests move forward instead of waiting."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class SandboxClock:
    """Real UTC time shifted by an offset that only ever grows (until a reset)."""

    def __init__(self) -> None:
        self._offset_seconds = 0.0
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        """Seconds the clock runs ahead of real time."""
        return self._offset_seconds

    def now(self) -> datetime:
        """Return the sandbox's current time, timezone-aware in UTC."""
        return datetime.now(timezone.utc) + timedelta(seconds=self._offset_seconds)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new now.

        :param seconds: How far to move; must not be negative (time never runs backwards).
        """
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward: advance_seconds must be >= 0")
        with self._lock:
            self._offset_seconds += seconds
        return self.now()

    def set_offset(self, seconds: float) -> None:
        """Restore a saved offset (used when state is reloaded from a state file).

        :param seconds: Offset from real time, in seconds.
        """
        with self._lock:
            self._offset_seconds = seconds

    def reset(self) -> None:
        """Return to real time."""
        self.set_offset(0.0)
