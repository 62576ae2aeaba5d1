"""Idempotency keys: deterministic, distinct per task instance and chunk, short and safe."""

from __future__ import annotations

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.batch_ids import KEY_PATTERN, FoneBatchRef
from airflow_provider_sms.operators._campaign.keys import MAX_CHUNKS, campaign_key, check_prefix, chunk_key

BASE = ("dag", "send", "manual__2026-01-01T00:00:00+00:00", -1)


def test_same_task_instance_same_key_and_readable() -> None:
    key = campaign_key(*BASE)
    assert key == campaign_key(*BASE)
    assert key.startswith("sms-send-")
    assert chunk_key(key, 3) == f"{key}-c3"


@pytest.mark.parametrize(
    "other",
    [
        ("dag2", "send", BASE[2], -1),
        ("dag", "send2", BASE[2], -1),
        ("dag", "send", "manual__2026-01-02T00:00:00+00:00", -1),
        ("dag", "send", BASE[2], 0),
    ],
)
def test_each_identity_part_changes_the_key(other: tuple[str, str, str, int]) -> None:
    assert campaign_key(*other) != campaign_key(*BASE)


def test_longest_key_fits_the_pattern_and_fone_external_ids() -> None:
    key = chunk_key(campaign_key("d" * 250, "t." * 125, "r" * 250, 99999, prefix="p" * 40), MAX_CHUNKS - 1)
    assert KEY_PATTERN.match(key)
    assert len(FoneBatchRef(key, 0).external_id(999)) <= 100


def test_chunk_number_out_of_range_is_refused() -> None:
    with pytest.raises(SmsValidationError, match="at most"):
        chunk_key("sms-x-0", MAX_CHUNKS)


def test_prefix_rule() -> None:
    assert check_prefix("client_reference", "Spring_Sale-2026") == []
    assert check_prefix("client_reference", None) == []
    (problem,) = check_prefix("client_reference", "has space")
    assert problem.field == "client_reference"
    assert "1-40 characters" in problem.rule
    assert check_prefix("external_id", "x" * 41)
