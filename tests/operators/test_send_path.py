"""How many package files a send crosses, from ``SmsSendOperator.execute`` to the vendor's HTTP API.

A maintainer following one send should open few files: the operator, the campaign engine, the neutral
hook, the vendor hook, the vendor client, the transport and the two model modules. Every Python function
the package runs during ``execute``, in its own thread and in the threads that send the chunks, is traced
(the sandbox, which serves the requests in its own threads, is not the package under test), and the files
they live in are counted.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any
from unittest import mock

import pytest

import airflow_provider_sms
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

PACKAGE = Path(airflow_provider_sms.__file__).parent
SANDBOX = PACKAGE / "sandbox"
#: Numbers the sandbox delivers (it fails those ending in 13 and never confirms those ending in 99).
NUMBERS = [f"+6140020{n:04d}" for n in range(20, 50)]


def _import_the_package() -> None:
    """Import every module first, so that a module's body run by a first import is not counted as the send's.

    Without this the count depended on which tests ran before (12 files when this file runs alone).
    """
    for module in pkgutil.walk_packages([str(PACKAGE)], prefix="airflow_provider_sms."):
        if not module.name.startswith("airflow_provider_sms.sandbox"):
            importlib.import_module(module.name)


def _files_run_by(call: Any) -> set[str]:
    files: set[str] = set()
    _import_the_package()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            path = Path(frame.f_code.co_filename)
            if path.is_relative_to(PACKAGE) and not path.is_relative_to(SANDBOX):
                files.add(str(path.relative_to(PACKAGE)))

    sys.setprofile(profile)
    threading.setprofile(profile)  # the chunks' requests run in the send's threads
    try:
        call()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return files


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_a_csv_send_crosses_at_most_8_package_files(
    vendor: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conn = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
    monkeypatch.setenv(*connection_env("sms_path", conn))
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("phone,name\n" + "".join(f"{n},Ada\n" for n in NUMBERS))
    operator = SmsSendOperator(
        task_id="send",
        sms_conn_id="sms_path",
        to=str(recipients),
        body="Hi ${name}",
        from_="ACME",
        chunk_size=10,
    )
    ti = mock.Mock(dag_id="path", task_id="send", run_id=f"run-{vendor}", map_index=-1)
    result: dict[str, Any] = {}
    files = _files_run_by(lambda: result.update(operator.execute({"ti": ti})))  # type: ignore[arg-type]
    assert result["recipients"] == len(NUMBERS)
    sandbox.advance(3600)
    assert [len(sandbox.inbox(n)) for n in NUMBERS] == [1] * len(NUMBERS)
    assert len(files) <= 8, sorted(files)
    assert f"clients/{vendor}.py" in files
