"""Turning a client method's arguments into a validated request model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from airflow_provider_sms.models.sms import RequestModel

_Request = TypeVar("_Request", bound=RequestModel)


def build_request(
    model: type[_Request], request: _Request | Mapping[str, Any] | None, fields: Mapping[str, Any]
) -> _Request:
    """Return ``request`` if it already is a ``model``, else validate it and ``fields`` into one.

    :param model: The request model class.
    :param request: A built model, or field values by wire or Python name.
    :param fields: Field values by Python name, merged over ``request``.
    :raises SmsValidationError: A value breaks a rule; nothing is sent.
    :raises TypeError: Both a built model and fields were given.
    """
    if isinstance(request, model):
        if fields:
            raise TypeError(f"pass either a {model.__name__} or its fields, not both")
        return request
    return model.build({**cast(Mapping[str, Any], request or {}), **fields})
