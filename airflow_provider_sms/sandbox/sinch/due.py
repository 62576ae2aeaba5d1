"""Which batches have something due when: a tick looks only at batches whose next change has come."""

from __future__ import annotations

import heapq
from datetime import datetime


class DueIndex:
    """Each pending batch's next change time, kept in a heap so finding what is due costs what is due.

    Setting a batch's time again supersedes the earlier entry, which stays in the heap and is skipped
    when it surfaces.
    """

    def __init__(self) -> None:
        self._due: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self._due

    def set(self, batch_id: str, due: datetime | None) -> None:
        """Record when the batch next changes; ``None`` forgets it (nothing will change any more).

        :param batch_id: Batch id.
        :param due: Sandbox time of its next change.
        """
        if due is None:
            self._due.pop(batch_id, None)
            return
        if self._due.get(batch_id) == due:
            return
        self._due[batch_id] = due
        heapq.heappush(self._heap, (due, batch_id))

    def take_due(self, now: datetime) -> list[str]:
        """Remove and return the batches due at or before ``now``, in batch id (creation) order.

        :param now: Sandbox time.
        """
        taken: set[str] = set()
        while self._heap and self._heap[0][0] <= now:
            due, batch_id = heapq.heappop(self._heap)
            if self._due.get(batch_id) == due:
                del self._due[batch_id]
                taken.add(batch_id)
        return sorted(taken)

    def clear(self) -> None:
        """Forget every batch."""
        self._due.clear()
        self._heap.clear()
