"""SinchBatch and SinchBatchListPage: every seed response sample parses, leniently, keeping extras."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_sms.models.sinch import SinchBatch, SinchBatchListPage
from tests.models.sinch import samples

CREATED = datetime(2019, 8, 24, 14, 15, 22, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "sample",
    [
        samples.SEND_RESPONSE,
        samples.GUIDE_BATCH_RESPONSE,
        samples.GUIDE_CANCEL_RESPONSE,
        samples.GET_RESPONSE,
        samples.UPDATE_RESPONSE,
        samples.CANCEL_RESPONSE,
    ],
    ids=["send", "guide-get", "guide-cancel", "get", "update-replace", "cancel"],
)
def test_every_seed_batch_sample_parses(sample: dict[str, Any]) -> None:
    batch = SinchBatch.model_validate(sample)
    assert batch.to == [str(number) for number in sample["to"]]
    assert batch.body == sample["body"]
    assert batch.model_extra == {}


def test_numbers_given_as_json_numbers_become_strings() -> None:
    batch = SinchBatch.model_validate(samples.SEND_RESPONSE)
    assert batch.to == ["15551231234", "15551256344"]
    assert batch.from_ == "15551231234"


def test_send_sample_fields_have_their_declared_types() -> None:
    batch = SinchBatch.model_validate(samples.SEND_RESPONSE)
    assert batch.id == "01FC66621XXXXX119Z8PMV1QPQ"
    assert batch.type == "mt_text"
    assert batch.canceled is False
    assert batch.parameters == {"{parameter_key}": {}}
    assert (batch.created_at, batch.modified_at, batch.send_at, batch.expire_at) == (CREATED,) * 4
    assert batch.delivery_report == "none"
    assert (batch.callback_url, batch.client_reference) == ("string", "string")
    assert (batch.feedback_enabled, batch.flash_message, batch.truncate_concat) == (False, False, True)
    assert (batch.max_number_of_message_parts, batch.from_ton, batch.from_npi) == (1, 6, 18)


def test_flattened_parameters_and_udh_of_the_update_sample_are_kept() -> None:
    batch = SinchBatch.model_validate(samples.UPDATE_RESPONSE)
    assert batch.parameters == samples.UPDATE_RESPONSE["parameters"]
    assert (batch.udh, batch.canceled) == ("string", True)


def test_cancel_sample_without_id_parses_with_defaults() -> None:
    batch = SinchBatch.model_validate(samples.CANCEL_RESPONSE)
    assert (batch.id, batch.canceled, batch.created_at) == (None, False, None)


def test_unknown_fields_are_kept() -> None:
    batch = SinchBatch.model_validate({**samples.GET_RESPONSE, "campaign_id": "c-1", "dlt_template_id": 7})
    assert batch.model_extra == {"campaign_id": "c-1", "dlt_template_id": 7}
    assert batch.model_dump(by_alias=True)["campaign_id"] == "c-1"


def test_empty_batch_object_parses() -> None:
    batch = SinchBatch.model_validate({})
    assert (batch.id, batch.to, batch.from_) == (None, [], None)


def test_list_sample_parses() -> None:
    page = SinchBatchListPage.model_validate(samples.LIST_RESPONSE)
    assert (page.page, page.count, page.page_size) == (1, 2000, 50)
    assert page.batches == [SinchBatch()]


def test_guide_list_sample_with_counts_as_strings_parses() -> None:
    page = SinchBatchListPage.model_validate(samples.GUIDE_LIST_RESPONSE)
    assert (page.count, page.page, page.page_size) == (2, 1, 10)
    assert len(page.batches) == 2


def test_list_page_holds_full_batches_and_keeps_unknown_fields() -> None:
    page = SinchBatchListPage.model_validate(
        {"page": 0, "count": 1, "page_size": 1, "batches": [samples.SEND_RESPONSE], "next": "x"}
    )
    assert page.batches[0].id == "01FC66621XXXXX119Z8PMV1QPQ"
    assert page.model_extra == {"next": "x"}


def test_list_page_without_counts_reads_as_empty() -> None:
    assert SinchBatchListPage.model_validate({}).model_dump() == {
        "page": 0,
        "page_size": 0,
        "count": 0,
        "batches": [],
    }
