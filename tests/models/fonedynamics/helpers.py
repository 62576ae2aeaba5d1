from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.exceptions import Problem, SmsValidationError

SEED_EXAMPLES = Path(__file__).parent / "seed_examples"
#: The seeds' ``Schedule`` (1321009871, 2011-11-11T11:11:11Z) is valid relative to this moment.
SEED_NOW = datetime(2011, 11, 11, 11, 0, tzinfo=timezone.utc)


def load_seed(name: str) -> Any:
    """Return a request or response example copied verbatim from the vendor's pages."""
    return json.loads((SEED_EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def problems_of(exc_info: pytest.ExceptionInfo[SmsValidationError]) -> dict[str, Problem]:
    """Return the problems of a validation error by field path."""
    return {problem.field: problem for problem in exc_info.value.problems}
