"""Saving the Sinch sandbox's state incrementally: one document per batch, written only when it changed.

Layout in the state store: namespace ``sinch`` holds ``{"layout": 2, "batch_ids": [...], "tokens": {...}}``
and namespace ``sinch.batch.<id>`` holds each batch. A ``sinch`` document in the older layout (every batch
inline under ``batches``) is still read, and rewritten in the new layout at the next save.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_sms.sandbox.sinch.state import (
    SinchState,
    dump_batch,
    dump_tokens,
    load_batch,
    load_tokens,
)

if TYPE_CHECKING:
    from airflow_provider_sms.sandbox.store import StateStore

NAMESPACE = "sinch"
LAYOUT = 2


def batch_namespace(batch_id: str) -> str:
    """Return the store namespace of one batch.

    :param batch_id: Batch id.
    """
    return f"{NAMESPACE}.batch.{batch_id}"


class SinchPersistence:
    """Remembers what changed since the last save and writes only that.

    :param store: The sandbox's state store.
    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._dirty_batches: set[str] = set()
        self._index_dirty = False

    def load(self) -> SinchState:
        """Return the saved state, empty if nothing was saved."""
        index = self.store.load(NAMESPACE)
        if not index:
            return SinchState()
        if index.get("layout") != LAYOUT:
            state = SinchState.load(index)
            self._dirty_batches.update(state.batches)
            self._index_dirty = True
            return state
        state = SinchState(tokens=load_tokens(index["tokens"]))
        for batch_id in index["batch_ids"]:
            saved = self.store.load(batch_namespace(batch_id))
            if saved is not None:
                state.batches[batch_id] = load_batch(saved)
        return state

    def batch_changed(self, batch_id: str, *, new: bool = False) -> None:
        """Note that a batch must be saved; a ``new`` one is also added to the index.

        :param batch_id: Batch id.
        :param new: Whether the batch was just created.
        """
        self._dirty_batches.add(batch_id)
        self._index_dirty = self._index_dirty or new

    def tokens_changed(self) -> None:
        """Note that the issued OAuth2 tokens must be saved."""
        self._index_dirty = True

    def forget(self) -> None:
        """Drop pending changes (after a reset cleared the store)."""
        self._dirty_batches.clear()
        self._index_dirty = False

    def save(self, state: SinchState) -> None:
        """Write the batches that changed, and the index if it changed.

        :param state: The live state.
        """
        for batch_id in sorted(self._dirty_batches):
            self.store.save(batch_namespace(batch_id), dump_batch(state.batches[batch_id]))
        self._dirty_batches.clear()
        if self._index_dirty:
            index: dict[str, Any] = {
                "layout": LAYOUT,
                "batch_ids": list(state.batches),
                "tokens": dump_tokens(state.tokens),
            }
            self.store.save(NAMESPACE, index)
            self._index_dirty = False
