"""Where vendor state is kept between requests: memory, or an SQLite file that survives restarts."""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any


class StateStore:
    """Named JSON documents, one per namespace (``sinch``, ``fonedynamics``, ``inbox`` ...).

    In memory (no ``path``) a saved dict is kept as is, so saving is cheap; with a ``path`` every save is
    written to SQLite as JSON at once, so the state survives a restart of the sandbox.

    :param path: SQLite file to use, created if missing; ``None`` keeps everything in memory.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._memory: dict[str, dict[str, Any]] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS state (namespace TEXT PRIMARY KEY, data TEXT NOT NULL)"
            )

    @property
    def persistent(self) -> bool:
        """Whether saves go to a file."""
        return self._db is not None

    def load(self, namespace: str) -> dict[str, Any] | None:
        """Return the data last saved under ``namespace``, or ``None`` if there is none.

        :param namespace: Name of the document, e.g. ``fonedynamics``.
        """
        with self._lock:
            if self._db is None:
                return self._memory.get(namespace)
            row = self._db.execute("SELECT data FROM state WHERE namespace = ?", (namespace,)).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def save(self, namespace: str, data: dict[str, Any]) -> None:
        """Replace the document saved under ``namespace``.

        :param namespace: Name of the document.
        :param data: JSON-serialisable state.
        """
        with self._lock:
            if self._db is None:
                self._memory[namespace] = data
                return
            text = json.dumps(data, separators=(",", ":"))
            self._db.execute(
                "INSERT INTO state (namespace, data) VALUES (?, ?) "
                "ON CONFLICT(namespace) DO UPDATE SET data = excluded.data",
                (namespace, text),
            )

    def clear(self) -> None:
        """Forget every namespace."""
        with self._lock:
            self._memory.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM state")

    def close(self) -> None:
        """Close the SQLite file, if any."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
