"""Key prefixes of the example campaign: each naming rule passes and fails, and keys read back."""

from __future__ import annotations

import pytest
from sms_campaign_support.references import day_prefix, kind_of, resend_reference, send_reference


def test_references_name_campaign_day_kind_and_segment() -> None:
    assert day_prefix("renewal", "20260103") == "renewal-20260103-"
    assert send_reference("renewal", "20260103", "metro") == "renewal-20260103-s-metro"
    assert resend_reference("renewal", "20260103", "backfill") == "renewal-20260103-r-backfill"


@pytest.mark.parametrize(
    ("campaign", "day", "error"),
    [
        ("Renewal", "20260103", "campaign='Renewal': must be 1-12 lowercase"),
        ("re-newal", "20260103", "campaign='re-newal'"),
        ("abcdefghijklm", "20260103", "campaign='abcdefghijklm'"),
        ("renewal", "2026-01-03", "ds_nodash='2026-01-03': must be YYYYMMDD"),
    ],
)
def test_day_prefix_rejects_bad_names(campaign: str, day: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        day_prefix(campaign, day)


@pytest.mark.parametrize("segment", ["Metro", "metro-east", "", "a" * 13])
def test_segment_and_label_reject_bad_names(segment: str) -> None:
    with pytest.raises(ValueError, match=r"must be 1-12 of a-z, 0-9 and '_'"):
        send_reference("renewal", "20260103", segment)
    with pytest.raises(ValueError, match=r"must be 1-12 of a-z, 0-9 and '_'"):
        resend_reference("renewal", "20260103", segment)


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("renewal-20260103-s-metro-send-0123456789abcdef-c0", "s"),
        ("renewal-20260103-r-backfill-resend-0123456789abcdef-c2", "r"),
        ("renewal-20260104-s-metro-send-0123456789abcdef-c0", None),  # another day
        ("renewal-20260103-x-metro-send-0123456789abcdef-c0", None),  # not a send or resend
        ("renewal-20260103-s", None),
        ("notify-0123", None),
    ],
)
def test_kind_of_reads_a_key_back(key: str, kind: str | None) -> None:
    assert kind_of(key, "renewal-20260103-") == kind
