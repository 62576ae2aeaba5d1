"""ClientMethod: a hook attribute that forwards to the client method of the same name."""

from __future__ import annotations

import inspect

import pytest

from airflow_provider_sms.hooks._delegate import ClientMethod


class Client:
    def greet(self, name: str, *, loud: bool = False) -> str:
        """Say hello."""
        return f"HELLO {name}" if loud else f"hello {name}"


class Hook:
    greet = ClientMethod(Client.greet)

    def __init__(self) -> None:
        self.builds = 0

    def get_conn(self) -> Client:
        self.builds += 1
        return Client()


def test_call_is_forwarded_to_the_client() -> None:
    assert Hook().greet("Ann", loud=True) == "HELLO Ann"


def test_client_is_built_at_call_time_not_lookup() -> None:
    hook = Hook()

    method = hook.greet
    assert hook.builds == 0
    method("Ann")
    assert hook.builds == 1


def test_signature_and_docstring_are_the_clients() -> None:
    hook = Hook()

    assert str(inspect.signature(hook.greet)) == "(name: 'str', *, loud: 'bool' = False) -> 'str'"
    assert inspect.signature(Hook.greet) == inspect.signature(Client.greet)
    assert hook.greet.__doc__ == "Say hello."
    assert hook.greet.__name__ == "greet"


def test_class_attribute_can_be_called_with_the_hook() -> None:
    assert Hook.greet(Hook(), "Bo") == "hello Bo"


def test_name_must_match_the_client_method() -> None:
    # Python 3.11 wraps an error raised by __set_name__ in a RuntimeError; 3.12 and later do not.
    with pytest.raises((TypeError, RuntimeError)) as raised:

        class Wrong:
            salute = ClientMethod(Client.greet)

    error = raised.value.__cause__ or raised.value
    assert isinstance(error, TypeError)
    assert str(error) == "Wrong.salute must have the client method's name 'greet'"
