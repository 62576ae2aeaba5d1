"""Recipient files pass between tasks through ``work_dir``: with several workers it must be shared storage.

``load_audience`` and ``collect_failures`` (``find_failures`` in the resend DAG) write recipient files that
the send and dry-run tasks read, maybe on another worker. :func:`require_recipients_file` runs before
those tasks (their ``pre_execute``) and fails them, without retries, with an error saying so when the file
is not there, instead of a send failing on a missing file with no hint why.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from sms_campaign_support.airflow_compat import AirflowFailException


def require_recipients_file(context: Any) -> None:
    """Fail the task if the recipients file it is to read (its rendered ``to``) is not on this worker.

    :param context: The task's context.
    :raises AirflowFailException: naming the file, this worker's host, ``work_dir`` and the rule.
    """
    task = context["task"]
    path = Path(str(task.to))
    if path.is_file():
        return
    work_dir = context["params"].get("work_dir") or "empty: a local temporary directory"
    raise AirflowFailException(
        f"{task.task_id}: the recipients file {path}, written by an earlier task of this run, is not on this "
        f"worker (host {socket.gethostname()}). With several workers, params.work_dir must be shared storage "
        f"that every worker mounts (see docs/deployment.md); work_dir is {work_dir}"
    )
