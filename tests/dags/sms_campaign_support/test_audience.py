"""Splitting the audience file by interval and segment; each rule on a row passes and fails."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sms_campaign_support.audience import split_audience

HEADER = ["phone", "name", "segment", "lapsed_on"]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path: str) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_rows_of_the_interval_go_to_one_file_per_segment(tmp_path: Path) -> None:
    source = write(
        tmp_path / "in.csv",
        [
            ["+61400000001", "Ada", "metro", "2026-01-02"],
            ["+61400000002", "Ben", "regional", "2026-01-03"],
            ["+61400000003", "Cy", "metro", "2026-01-03"],
            ["+61400000004", "Di", "metro", "2026-01-04"],
        ],
    )

    result = split_audience(source, date(2026, 1, 3), date(2026, 1, 4), tmp_path / "out")

    assert result["recipients"] == 2
    assert [(s["segment"], s["recipients"]) for s in result["segments"]] == [("metro", 1), ("regional", 1)]
    assert read(result["audience"]) == [["phone", "name"], ["+61400000002", "Ben"], ["+61400000003", "Cy"]]
    assert read(result["segments"][0]["path"]) == [["phone", "name"], ["+61400000003", "Cy"]]


def test_an_interval_nobody_lapsed_in_has_no_segments(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [["+61400000001", "Ada", "metro", "2026-01-02"]])

    result = split_audience(source, date(2026, 2, 1), date(2026, 2, 2), tmp_path / "out")

    assert result["recipients"] == 0
    assert result["segments"] == []


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [["+61400000001", "Ada", "metro"]], header=HEADER[:3])
    with pytest.raises(ValueError, match="missing column"):
        split_audience(source, date(2026, 1, 3), date(2026, 1, 4), tmp_path / "out")


def test_a_bad_date_names_the_line_and_masks_the_number(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [["+61488023555", "Ada", "metro", "03/01/2026"]])
    with pytest.raises(ValueError, match=r"line 2 \(\+6148\*\*\*\*555\): lapsed_on='03/01/2026'") as caught:
        split_audience(source, date(2026, 1, 3), date(2026, 1, 4), tmp_path / "out")
    assert "+61488023555" not in str(caught.value)


def test_a_bad_segment_in_the_interval_names_the_line(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [["+61488023555", "Ada", "Metro East", "2026-01-03"]])
    with pytest.raises(ValueError, match=r"line 2 \(\+6148\*\*\*\*555\): segment='Metro East'"):
        split_audience(source, date(2026, 1, 3), date(2026, 1, 4), tmp_path / "out")
