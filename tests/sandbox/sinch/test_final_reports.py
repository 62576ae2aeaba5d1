from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow_provider_sms.sandbox.context import outcome_for
from airflow_provider_sms.sandbox.sinch.content import parse_content
from airflow_provider_sms.sandbox.sinch.final_reports import FinalReports, ReportPair
from airflow_provider_sms.sandbox.sinch.lifecycle import advance
from airflow_provider_sms.sandbox.sinch.state import Batch, queued_recipients

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
TO = ["+61400000001", "+61400000013", "+61400000099"]


def make_batch(batch_id: str, reference: str, sent_at: datetime) -> Batch:
    content = parse_content({"to": TO, "from": "Acme", "body": "Hi", "client_reference": reference}, sent_at)
    batch = Batch(batch_id, content, sent_at, sent_at, sent_at, queued_recipients(content.to, sent_at))
    advance(batch, sent_at + timedelta(seconds=2), 2.0, outcome_for)
    return batch


def numbers(pairs: list[ReportPair]) -> list[tuple[str, str]]:
    return [(batch.id, recipient.msisdn) for batch, recipient in pairs]


def test_only_final_matching_recipients_newest_first() -> None:
    older, newer = make_batch("B1", "a", T0), make_batch("B2", "b", T0 + timedelta(minutes=1))
    reports = FinalReports()

    everything = reports.matching([older, newer], None, set(), set())
    assert numbers(everything) == [
        ("B2", "+61400000001"),
        ("B2", "+61400000013"),
        ("B1", "+61400000001"),
        ("B1", "+61400000013"),
    ]
    assert numbers(reports.matching([older, newer], "a", set(), set())) == [
        ("B1", "+61400000001"),
        ("B1", "+61400000013"),
    ]
    assert numbers(reports.matching([older, newer], None, {"Failed"}, set())) == [
        ("B2", "+61400000013"),
        ("B1", "+61400000013"),
    ]
    assert numbers(reports.matching([older, newer], None, set(), {0})) == [
        ("B2", "+61400000001"),
        ("B1", "+61400000001"),
    ]


def test_the_answer_is_kept_until_a_change_is_noted() -> None:
    batch = make_batch("B1", "a", T0)
    reports = FinalReports()
    first = reports.matching([batch], None, set(), set())
    assert len(first) == 2

    advance(batch, batch.expires_at, 2.0, outcome_for)
    assert reports.matching([batch], None, set(), set()) is first
    reports.changed()
    assert len(reports.matching([batch], None, set(), set())) == 3
