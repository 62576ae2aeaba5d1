"""Request and response samples transcribed from the Sinch seeds (002 reference, 003 guide), and helpers.

Objects the seed pages show collapsed (``{}``) are kept empty, as shown. Request samples carry
placeholders such as ``"YOUR_recipient_number"``; :data:`SEND_REQUEST` and friends substitute real
E.164 numbers and sender ids, keeping every key of the sample. :func:`problems` and
:func:`only_problem` assert on validation errors of the Sinch request models.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.sms import RequestModel

# -- Request and response samples transcribed from the Sinch seeds (002 reference, 003 guide). ---------------

# 002 "Send" and 003 "Sending a message": request sample with placeholders filled in.
SEND_REQUEST: dict[str, Any] = {
    "from": "+15551231234",
    "to": ["+15551256344"],
    "body": "YOUR_message_body",
    "delivery_report": "summary",
    "type": "mt_text",
}

# 002 / 003 "Dry run" request sample (parameters' inner object is collapsed in the seed).
DRY_RUN_REQUEST: dict[str, Any] = {
    "from": "+15551231234",
    "to": ["+15551256344", "+15551256345"],
    "body": "YOUR body text here",
    "parameters": {"name": {}},
}

# 002 "Replace a batch" request sample; 003 shows the same numbers as JSON numbers without "+".
REPLACE_REQUEST: dict[str, Any] = {
    "to": ["+15551231234", "+15551256344"],
    "body": "This is a message to be sent!",
}

# 002 / 003 "Update a Batch message" request sample, placeholders replaced by E.164 numbers.
UPDATE_REQUEST: dict[str, Any] = {
    "to_remove": ["+15551231234", "+16267890123"],
    "to_add": ["+15551256344", "+15551256345"],
}

# 002 / 003 "Send delivery feedback" request sample.
FEEDBACK_REQUEST: dict[str, Any] = {"recipients": ["+15551231234", "+15551256344"]}

# 002 "Send" response sample (numbers as JSON numbers, as the seed shows them).
SEND_RESPONSE: dict[str, Any] = {
    "id": "01FC66621XXXXX119Z8PMV1QPQ",
    "to": [15551231234, 15551256344],
    "from": 15551231234,
    "canceled": False,
    "parameters": {"{parameter_key}": {}},
    "body": "Hi ${name}! How are you?",
    "type": "mt_text",
    "created_at": "2019-08-24T14:15:22Z",
    "modified_at": "2019-08-24T14:15:22Z",
    "delivery_report": "none",
    "send_at": "2019-08-24T14:15:22Z",
    "expire_at": "2019-08-24T14:15:22Z",
    "callback_url": "string",
    "client_reference": "string",
    "feedback_enabled": False,
    "flash_message": False,
    "truncate_concat": True,
    "max_number_of_message_parts": 1,
    "from_ton": 6,
    "from_npi": 18,
}

# 003 get / update / replace response sample (same as send, with example callback and reference).
GUIDE_BATCH_RESPONSE: dict[str, Any] = {
    **SEND_RESPONSE,
    "callback_url": "myCallbackUrl",
    "client_reference": "myReference",
}

# 003 "Cancel a batch message" response sample.
GUIDE_CANCEL_RESPONSE: dict[str, Any] = {**GUIDE_BATCH_RESPONSE, "canceled": True}

# 002 "Get a batch message" response sample.
GET_RESPONSE: dict[str, Any] = {
    "id": "9dfn32n423kl1klj234",
    "from": "12345",
    "to": ["+15551231212"],
    "body": "Hello! How are you?",
    "created_at": "2022-02-25T23:01:01Z",
    "modified_at": "2022-02-25T23:01:01Z",
    "canceled": False,
}

# 002 "Update a Batch message" and "Replace a batch" response samples (flattened parameters).
UPDATE_RESPONSE: dict[str, Any] = {
    "to": ["+15551231234", "+15551256344"],
    "from": "+15551231234",
    "type": "mt_text",
    "body": "This is a message to be sent!",
    "udh": "string",
    "delivery_report": "none",
    "send_at": "2019-08-24T14:15:22Z",
    "expire_at": "2019-08-24T14:15:22Z",
    "callback_url": "string",
    "flash_message": False,
    "parameters": {
        "{parameter_key}": "string",
        "{parameter_key}.{msisdn}": "string",
        "{parameter_key}.default": "string",
    },
    "client_reference": "string",
    "max_number_of_message_parts": 1,
    "id": "string",
    "created_at": "2019-08-24T14:15:22Z",
    "modified_at": "2019-08-24T14:15:22Z",
    "canceled": True,
}

# 002 "Cancel a batch message" response sample (no id, nested collapsed parameters).
CANCEL_RESPONSE: dict[str, Any] = {
    "to": ["+15551231234", "+15551256344"],
    "from": "+15551231234",
    "type": "mt_text",
    "body": "This is a message to be sent!",
    "udh": "string",
    "delivery_report": "summary",
    "send_at": "2019-08-24T14:15:22Z",
    "expire_at": "2019-08-24T14:15:22Z",
    "flash_message": False,
    "parameters": {"{parameter_key}": {}},
    "client_reference": "string",
    "max_number_of_message_parts": 1,
}

# 002 "List Batches" response sample.
LIST_RESPONSE: dict[str, Any] = {"page": 1, "count": 2000, "page_size": 50, "batches": [{}]}

# 003 "Retrieving a list of batches" response sample (numbers given as strings).
GUIDE_LIST_RESPONSE: dict[str, Any] = {"count": "2", "page": "1", "batches": [{}, {}], "page_size": "10"}

# 002 "Dry run" and 003 dry-run response samples.
DRY_RUN_RESPONSE: dict[str, Any] = {"number_of_recipients": 0, "number_of_messages": 0, "per_recipient": [{}]}
GUIDE_DRY_RUN_RESPONSE: dict[str, Any] = {
    "number_of_recipients": 1,
    "number_of_messages": 1,
    "per_recipient": [{}],
}

# Reference notes §2.2: summary report example, and a full one (recipients per status).
SUMMARY_REPORT: dict[str, Any] = {
    "type": "delivery_report_sms",
    "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
    "total_message_count": 3,
    "statuses": [
        {"code": 400, "status": "Queued", "count": 1},
        {"code": 0, "status": "Delivered", "count": 2},
    ],
}
FULL_REPORT: dict[str, Any] = {
    "type": "delivery_report_sms",
    "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
    "total_message_count": 3,
    "statuses": [
        {"code": 400, "status": "Queued", "count": 1, "recipients": ["+15551231234"]},
        {"code": 0, "status": "Delivered", "count": 2, "recipients": ["+15551256344", "+15551256345"]},
    ],
    "client_reference": "myReference",
}

# Reference notes §2.2: a recipient report with every documented field; old docs gave code as "0".
RECIPIENT_REPORT: dict[str, Any] = {
    "type": "recipient_delivery_report_sms",
    "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
    "recipient": "+15551231234",
    "code": "0",
    "status": "Delivered",
    "at": "2019-08-24T14:17:22.123Z",
    "operator_status_at": "2019-08-24T14:17:20Z",
    "client_reference": "myReference",
    "applied_originator": "+15551256344",
    "encoding": "GSM",
    "number_of_message_parts": 1,
    "operator": "310260",
    "status_message": "DELIVRD",
}

# Reference notes §4.2: the two error shapes.
CODE_TEXT_ERROR: dict[str, Any] = {
    "code": "syntax_invalid_parameter_format",
    "text": "'foo' is not a valid identifier",
}
ENVELOPE_ERROR: dict[str, Any] = {
    "error": {"code": 400, "message": "Invalid to", "status": "INVALID_ARGUMENT", "details": []}
}


# -- Helpers for asserting on validation errors of the Sinch request models. ---------------------------------

#: The fixed "now" every schedule check in these tests runs against.
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
CONTEXT = {"now": NOW}


def problems(model: type[RequestModel], data: dict[str, Any]) -> tuple[Problem, ...]:
    """Build ``model`` from ``data``, expect a validation error and return its problems."""
    with pytest.raises(SmsValidationError) as caught:
        model.build(data, context=CONTEXT)
    return caught.value.problems


def only_problem(model: type[RequestModel], data: dict[str, Any]) -> Problem:
    """Build ``model`` from ``data``, expect exactly one broken rule and return it."""
    found = problems(model, data)
    assert len(found) == 1, found
    return found[0]
