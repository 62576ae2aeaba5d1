from __future__ import annotations

import pytest

from airflow_provider_sms.models.status import MessageState, NeutralStatus, from_fonedynamics, from_sinch

SINCH_STATUSES = [
    ("Queued", NeutralStatus.PENDING, False),
    ("Dispatched", NeutralStatus.SENT, False),
    ("Delivered", NeutralStatus.DELIVERED, True),
    ("Failed", NeutralStatus.FAILED, True),
    ("Rejected", NeutralStatus.FAILED, True),
    ("Aborted", NeutralStatus.FAILED, True),
    ("Deleted", NeutralStatus.FAILED, True),
    ("Expired", NeutralStatus.EXPIRED, True),
    ("Cancelled", NeutralStatus.CANCELLED, True),
    ("Unknown", NeutralStatus.UNKNOWN, True),
]
FONE_STATUSES = [
    ("Processing", NeutralStatus.PENDING, False),
    ("Submitted", NeutralStatus.SENT, False),
    ("Delivered", NeutralStatus.DELIVERED, True),
    ("Failed", NeutralStatus.FAILED, True),
    ("Received", NeutralStatus.UNKNOWN, True),
]


class TestSinch:
    @pytest.mark.parametrize(("status", "neutral", "final"), SINCH_STATUSES)
    def test_every_documented_status(self, status: str, neutral: NeutralStatus, final: bool) -> None:
        assert from_sinch(status) == MessageState(neutral, final, status, None)

    @pytest.mark.parametrize(("status", "neutral", "final"), SINCH_STATUSES)
    def test_case_and_surrounding_space_do_not_matter(
        self, status: str, neutral: NeutralStatus, final: bool
    ) -> None:
        for spelling in (status.upper(), status.lower(), f" {status} "):
            state = from_sinch(spelling)
            assert (state.status, state.final, state.vendor_status) == (neutral, final, spelling)

    @pytest.mark.parametrize("status", ["Aborted", "Cancelled", "Failed"])
    def test_code_407_is_cancelled_by_the_user(self, status: str) -> None:
        assert from_sinch(status, 407) == MessageState(NeutralStatus.CANCELLED, True, status, 407)

    @pytest.mark.parametrize(("status", "code"), [("Aborted", 402), ("Queued", 400), ("Delivered", 0)])
    def test_other_codes_keep_the_status_mapping_and_are_kept(self, status: str, code: int) -> None:
        state = from_sinch(status, code)
        assert state.vendor_code == code
        assert state.status is not NeutralStatus.CANCELLED

    @pytest.mark.parametrize("status", ["Scheduled", "", "Bogus"])
    def test_unknown_status_is_unknown_and_not_final(self, status: str) -> None:
        assert from_sinch(status) == MessageState(NeutralStatus.UNKNOWN, False, status, None)


class TestFoneDynamics:
    @pytest.mark.parametrize(("status", "neutral", "final"), FONE_STATUSES)
    def test_every_documented_status(self, status: str, neutral: NeutralStatus, final: bool) -> None:
        assert from_fonedynamics(status) == MessageState(neutral, final, status, None)

    @pytest.mark.parametrize(("status", "neutral", "final"), FONE_STATUSES)
    def test_case_does_not_matter(self, status: str, neutral: NeutralStatus, final: bool) -> None:
        for spelling in (status.upper(), status.lower(), f"{status}\n"):
            state = from_fonedynamics(spelling)
            assert (state.status, state.final) == (neutral, final)

    def test_submitted_is_final_only_without_a_receipt(self) -> None:
        assert from_fonedynamics("Submitted", delivery_receipt=False).final is True
        assert from_fonedynamics("Submitted", delivery_receipt=True).final is False
        assert from_fonedynamics("Submitted", delivery_receipt=None).final is False

    def test_receipt_flag_changes_nothing_else(self) -> None:
        assert from_fonedynamics("Processing", delivery_receipt=False).final is False
        assert from_fonedynamics("Delivered", delivery_receipt=False).final is True

    def test_error_code_is_kept_and_blank_is_none(self) -> None:
        assert from_fonedynamics("Failed", "UNDELIVERABLE").vendor_code == "UNDELIVERABLE"
        assert from_fonedynamics("Failed", "").vendor_code is None

    @pytest.mark.parametrize("status", ["Queued", "", "Undelivered"])
    def test_unknown_status_is_unknown_and_not_final(self, status: str) -> None:
        assert from_fonedynamics(status) == MessageState(NeutralStatus.UNKNOWN, False, status, None)


def test_neutral_statuses_are_plain_strings() -> None:
    assert [s.value for s in NeutralStatus] == [
        "pending",
        "sent",
        "delivered",
        "failed",
        "expired",
        "cancelled",
        "unknown",
    ]
    assert NeutralStatus("delivered") == "delivered"
