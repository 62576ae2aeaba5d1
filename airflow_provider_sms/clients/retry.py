"""When and how long to wait before repeating a failed request."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently the transport repeats a failed request.

    :param max_retries: Repeats after the first attempt (``0`` disables retrying).
    :param backoff_base: Upper bound, in seconds, of the first backoff; it doubles with every attempt.
    :param backoff_max: Upper bound, in seconds, of any computed backoff.
    :param max_retry_after: The longest server ``Retry-After`` hint that is obeyed as given, in seconds.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 300.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries={self.max_retries}: must be 0 or more")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_retry_after < 0:
            raise ValueError("backoff_base, backoff_max and max_retry_after must not be negative")

    def backoff(self, attempt: int, jitter: Callable[[], float]) -> float:
        """Return the exponential backoff with full jitter after failed attempt number ``attempt``.

        :param attempt: The attempt that just failed, counting from 1.
        :param jitter: Returns a float in ``[0, 1)``; ``random.random`` in production.
        """
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * jitter()

    def delay(self, attempt: int, retry_after: float | None, jitter: Callable[[], float]) -> float:
        """Return how long to wait before the next attempt: the server's hint (capped), else the backoff.

        :param attempt: The attempt that just failed, counting from 1.
        :param retry_after: Seconds from the response's ``Retry-After`` header, if it had one.
        :param jitter: Returns a float in ``[0, 1)``.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.backoff(attempt, jitter)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks to wait, or ``None`` if absent or unreadable.

    :param value: The header: delay seconds (``"120"``) or an HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
    :param now: The current Unix time; defaults to ``time.time()``.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)
