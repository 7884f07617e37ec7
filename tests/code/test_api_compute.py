"""How answers are computed under load: at most ``compute_threads`` at once, and a request
waiting for its audit commit holds none of them (issue 16: forty threads competing for the GIL
starved the audit writer, and threads blocked on the commit kept the pool busy)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.api.security import Role
from serving.audit import AuditStore
from serving.domain.ranking import rank_position
from tests.code.test_api_rankings import _busy_position
from tests.code.test_audit_group_commit import chain_locked
from tests.serving_fixtures import Champion, headers


def _post_all(client: TestClient, n: int, position_id: str) -> list[Any]:
    """``n`` rankings of one position at once, each from its own thread; their responses."""
    responses: list[Any] = [None] * n

    def post(i: int) -> None:
        responses[i] = client.post(
            f"/v1/positions/{position_id}/rankings", json={"k": 3}, headers=headers(Role.HR_SYSTEM)
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def _wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_waiting_for_the_commit_holds_no_compute_thread(champion: Champion) -> None:
    """With one compute thread and the chain locked, three answers are all computed and wait
    for their commit together; released, all three are answered and in the chain."""
    app = create_app(champion.settings(compute_threads=1), clock=lambda: champion.today)
    with TestClient(app) as client:
        audit: AuditStore = app.state.audit
        position_id = _busy_position(client)
        head = audit.chain_head()
        result: list[list[Any]] = []
        with chain_locked(audit.url):
            poster = threading.Thread(
                target=lambda: result.append(_post_all(client, 3, position_id))
            )
            poster.start()
            assert _wait_for(lambda: audit.pending_writes() == 3), audit.pending_writes()
            assert audit.chain_head() == head
        poster.join(timeout=120)
    assert [r.status_code for r in result[0]] == [200, 200, 200]
    assert audit.chain_head()[0] == head[0] + 3
    assert audit.verify().ok


def test_no_more_answers_are_computed_at_once_than_compute_threads(
    champion: Champion, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def counted(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)  # long enough that six requests would overlap without a bound
            return rank_position(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr("serving.api.routes.rankings.rank_position", counted)
    app = create_app(champion.settings(compute_threads=2), clock=lambda: champion.today)
    with TestClient(app) as client:
        responses = _post_all(client, 6, _busy_position(client))
    assert [r.status_code for r in responses] == [200] * 6
    assert most[0] == 2


def test_a_long_plan_does_not_take_the_compute_threads(
    champion: Champion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan may solve for a minute: with one compute thread and a plan still solving,
    rankings are answered meanwhile (plans run in the general thread pool)."""
    from tests.code.test_api_plans import _body

    solving, release = threading.Event(), threading.Event()

    def slow_plan(*_args: Any, **_kwargs: Any) -> Any:
        solving.set()
        release.wait(30)
        raise AssertionError("only the ranking matters here")

    monkeypatch.setattr("serving.api.routes.plans.make_plan", slow_plan)
    app = create_app(champion.settings(compute_threads=1), clock=lambda: champion.today)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = _body(client)
        planner = threading.Thread(
            target=lambda: client.post("/v1/plans", json=body, headers=headers(Role.HR_SYSTEM))
        )
        planner.start()
        try:
            assert solving.wait(30)
            responses = _post_all(client, 2, _busy_position(client))
            assert planner.is_alive(), "the rankings waited for the plan to end"
            assert [r.status_code for r in responses] == [200, 200]
        finally:
            release.set()
            planner.join(timeout=60)
