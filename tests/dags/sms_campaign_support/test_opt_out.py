"""The opt-out file: the STOP keyword, appending each number once, and the campaigns leaving them out."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sms_campaign_support.audience import split_audience
from sms_campaign_support.opt_out import (
    DEFAULT_OPT_OUT_FILE,
    OPT_OUT_ENV,
    add_opt_outs,
    is_stop,
    opt_out_path,
    read_opt_outs,
    without_opt_outs,
)

from tests.dags.sms_campaign_support.test_audience import read, write


@pytest.mark.parametrize(
    ("body", "stop"),
    [("STOP", True), (" stop\n", True), ("Stop", True), ("STOP it", False), ("", False), (None, False)],
)
def test_the_stop_keyword_is_trimmed_and_in_any_case(body: object, stop: bool) -> None:
    assert is_stop(body) is stop


def test_numbers_are_appended_once_even_by_runs_at_the_same_time(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "opt_out.txt"
    first = add_opt_outs(path, ["+61400000002", "+61400000002"])
    runs = [
        threading.Thread(target=add_opt_outs, args=(path, ["+61400000003", "+61400000002"])) for _ in range(8)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()

    assert first == ["+61400000002"]
    assert path.read_text().splitlines() == ["+61400000002", "+61400000003"]
    assert read_opt_outs(path) == {"+61400000002", "+61400000003"}
    assert read_opt_outs(tmp_path / "missing.txt") == set()


def test_the_path_comes_from_the_environment_else_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OPT_OUT_ENV, raising=False)
    monkeypatch.delenv("AIRFLOW_VAR_SMS_OPT_OUT_FILE", raising=False)
    default = opt_out_path()
    monkeypatch.setenv(OPT_OUT_ENV, str(tmp_path / "o.txt"))

    assert default == DEFAULT_OPT_OUT_FILE
    assert default.parent.name == "data"
    assert opt_out_path() == tmp_path / "o.txt"


def test_the_campaign_audience_leaves_opted_out_numbers_out(tmp_path: Path) -> None:
    source = write(
        tmp_path / "in.csv",
        [["+61400000001", "Ada", "metro", "2026-01-03"], ["+61400000002", "Ben", "metro", "2026-01-03"]],
    )

    result = split_audience(source, date(2026, 1, 3), date(2026, 1, 4), tmp_path / "out", {"+61400000002"})

    assert (result["recipients"], result["opted_out"]) == (1, 1)
    assert read(result["segments"][0]["path"]) == [["phone", "name"], ["+61400000001", "Ada"]]


def test_the_variable_from_airflows_environment_source_comes_before_sms_opt_out_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(OPT_OUT_ENV, str(tmp_path / "env.txt"))
    monkeypatch.setenv("AIRFLOW_VAR_SMS_OPT_OUT_FILE", str(tmp_path / "variable.txt"))

    assert opt_out_path() == tmp_path / "variable.txt"


def test_a_recipients_file_is_copied_without_opted_out_rows(tmp_path: Path) -> None:
    source = write(
        tmp_path / "in.csv",
        [["+61400000001", "Ada"], [" +61400000002 ", "Ben"], ["+61400000003", "Cy"], ["+61400000003", "Cy"]],
        header=["phone", "name"],
    )

    counts = without_opt_outs(source, tmp_path / "run" / "out.csv", {"+61400000002", "+61400000009"})

    assert counts == {"recipients": 2, "opted_out": 1}
    assert read(str(tmp_path / "run" / "out.csv")) == [
        ["phone", "name"],
        ["+61400000001", "Ada"],
        ["+61400000003", "Cy"],
        ["+61400000003", "Cy"],
    ]


def test_a_recipients_file_without_a_phone_column_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [["+61400000001"]], header=["number"])

    with pytest.raises(ValueError, match=r"in\.csv: missing column phone"):
        without_opt_outs(source, tmp_path / "out.csv", set())
