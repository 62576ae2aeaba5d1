from __future__ import annotations

from airflow_provider_sms.sandbox.callbacks import CallbackDispatcher, query_value
from tests.sandbox.listener import CallbackListener


def _dispatcher(counts: dict[str, int]) -> CallbackDispatcher:
    def count(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + n

    return CallbackDispatcher(count)


def test_post_and_get_callbacks_arrive() -> None:
    counts: dict[str, int] = {}
    dispatcher = _dispatcher(counts)
    with CallbackListener() as listener:
        dispatcher.enqueue(listener.url, {"a": 1, "b": None})
        dispatcher.enqueue(listener.url, {"ok": True, "n": None}, method="get")
        received = listener.wait_for(2)
        dispatcher.close()

    by_method = {r.method: r for r in received}
    assert by_method["POST"].json == {"a": 1, "b": None}
    assert by_method["GET"].query == {"ok": "true", "n": ""}
    assert counts["callbacks_sent"] == 2


def test_non_loopback_is_refused_without_a_request() -> None:
    counts: dict[str, int] = {}
    dispatcher = _dispatcher(counts)

    dispatcher.enqueue("http://192.0.2.1/dlr", {"a": 1})

    assert counts == {"callbacks_refused": 1}
    assert dispatcher.wait_idle(1)


def test_gives_up_after_retries_on_connection_errors() -> None:
    counts: dict[str, int] = {}
    dispatcher = _dispatcher(counts)
    with CallbackListener() as listener:
        dead_url = listener.url
    dispatcher.enqueue(dead_url, {"a": 1})

    assert dispatcher.wait_idle(10)
    assert counts == {"callbacks_retried": 4, "callbacks_failed": 1}


def test_query_value() -> None:
    assert [query_value(v) for v in (None, False, 3, "x")] == ["", "false", "3", "x"]
