"""Expose a client method on a hook under the same name, signature, docstring and return type."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar, overload

from typing_extensions import Self

R = TypeVar("R")


class ClientSource(Protocol):
    """Anything with a ``get_conn()`` that returns the client, i.e. an SMS hook."""

    def get_conn(self) -> object:
        """Return the client."""
        ...


class ClientMethod(Generic[R]):
    """A hook attribute that calls the client method of the same name.

    ``send_batch = ClientMethod(SinchClient.send_batch)`` in a hook class makes ``hook.send_batch(...)``
    call ``hook.get_conn().send_batch(...)``. ``inspect.signature`` and ``help()`` show the client method's
    parameters and docstring; type checkers see its return type (mypy cannot carry the parameters of a
    method taking ``**kwargs`` over to another callable). The client is built when the method is called,
    not when it is looked up.

    :param method: The client method, taken from the client class.
    """

    def __init__(self, method: Callable[..., R]) -> None:
        self._method = method
        self._name = method.__name__
        self.__doc__ = method.__doc__
        self.__signature__ = inspect.signature(method)
        self._bound_signature = _without_self(self.__signature__)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        if name != self._name:
            raise TypeError(f"{owner.__name__}.{name} must have the client method's name {self._name!r}")

    def __call__(self, hook: ClientSource, /, *args: Any, **kwargs: Any) -> R:
        """Call the method on ``hook``'s client, as ``SinchHook.send_batch(hook, ...)`` would."""
        return self.__get__(hook)(*args, **kwargs)

    @overload
    def __get__(self, hook: None, owner: type[Any] | None = None) -> Self: ...

    @overload
    def __get__(self, hook: ClientSource, owner: type[Any] | None = None) -> Callable[..., R]: ...

    def __get__(self, hook: ClientSource | None, owner: type[Any] | None = None) -> Any:
        if hook is None:
            return self
        name = self._name

        def call_client(*args: Any, **kwargs: Any) -> R:
            bound: Callable[..., R] = getattr(hook.get_conn(), name)
            return bound(*args, **kwargs)

        call_client.__name__ = call_client.__qualname__ = name
        call_client.__doc__ = self.__doc__
        call_client.__signature__ = self._bound_signature  # type: ignore[attr-defined]
        return call_client


def _without_self(signature: inspect.Signature) -> inspect.Signature:
    parameters = list(signature.parameters.values())
    return signature.replace(parameters=parameters[1:])
