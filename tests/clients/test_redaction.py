from __future__ import annotations

import pytest

from airflow_provider_sms.clients.redaction import redact_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/xms/v1/plan/batches/01FC/delivery_report/%2B61488023555",
            "/xms/v1/plan/batches/01FC/delivery_report/+6148****555",
        ),
        (
            "/xms/v1/plan/batches/01FC/delivery_report/61488023555",
            "/xms/v1/plan/batches/01FC/delivery_report/61488***555",
        ),
        ("/v2/Messages/MGTBUEHNLFOOHNSIOCSAQRRUKLMEZSLE", "/v2/Messages/MGTBUEHNLFOOHNSIOCSAQRRUKLMEZSLE"),
        ("/xms/v1/plan/batches", "/xms/v1/plan/batches"),
    ],
)
def test_phone_numbers_in_paths_are_masked(path: str, expected: str) -> None:
    assert redact_path(path) == expected
