"""Routing and queue rules, exhaustively and without I/O."""

from __future__ import annotations

import itertools

import pytest

from appliance.domain.routing import (
    ASSIGNED,
    AWAY,
    BUSY,
    LEAST_BUSY,
    NOBODY_ONLINE,
    OFFLINE,
    ONLINE,
    PREVIOUS_FIRST,
    QUEUED,
    ROUND_ROBIN,
    STATUSES,
    AgentSnapshot,
    Waiting,
    choose,
    effective_status,
    estimated_wait_seconds,
    next_to_serve,
    position_in_queue,
)


def agent(uid: int, status: str = ONLINE, active: int = 0, limit: int = 5,
          teams: tuple[int, ...] = (), last: float = 0.0) -> AgentSnapshot:
    return AgentSnapshot(uid, status, active, limit, frozenset(teams), last)


def test_only_online_agents_below_their_limit_take_chats() -> None:
    for status, active in itertools.product(STATUSES, range(0, 7)):
        a = agent(1, status, active, limit=5)
        decision = choose([a], team_id=None, fallback_team_id=None, strategy=LEAST_BUSY)
        if status == ONLINE and active < 5:
            assert decision.outcome == ASSIGNED and decision.agent_id == 1
        elif status == OFFLINE:
            assert decision.outcome == NOBODY_ONLINE
        else:  # busy, away, or full: present but not taking -> queue
            assert decision.outcome == QUEUED and decision.agent_id is None


def test_least_busy_uses_the_share_of_each_limit_then_the_longest_idle() -> None:
    agents = [agent(1, active=2, limit=10), agent(2, active=1, limit=2), agent(3, active=2,
                                                                             limit=10, last=5)]
    decision = choose(agents, team_id=None, fallback_team_id=None, strategy=LEAST_BUSY)
    assert decision.agent_id == 1  # 20% (never assigned) beats 50% and 20% (assigned at 5)


def test_round_robin_takes_who_waited_longest_for_a_chat() -> None:
    agents = [agent(1, active=0, last=30), agent(2, active=4, last=10), agent(3, last=20)]
    assert choose(agents, team_id=None, fallback_team_id=None,
                  strategy=ROUND_ROBIN).agent_id == 2


def test_previous_agent_first_when_they_can_take_it() -> None:
    agents = [agent(1, active=0), agent(2, active=3)]
    assert choose(agents, team_id=None, fallback_team_id=None, strategy=PREVIOUS_FIRST,
                  previous_agent_id=2).agent_id == 2
    full = [agent(1, active=0), agent(2, active=5)]
    assert choose(full, team_id=None, fallback_team_id=None, strategy=PREVIOUS_FIRST,
                  previous_agent_id=2).agent_id == 1
    assert choose(agents, team_id=None, fallback_team_id=None, strategy=PREVIOUS_FIRST,
                  previous_agent_id=None).agent_id == 1


def test_teams_and_overflow_to_the_fallback_team() -> None:
    sales = agent(1, teams=(10,))
    support = agent(2, teams=(20,))
    assert choose([sales, support], team_id=20, fallback_team_id=None,
                  strategy=LEAST_BUSY).agent_id == 2
    full_support = agent(2, active=5, teams=(20,))
    decision = choose([sales, full_support], team_id=20, fallback_team_id=10,
                      strategy=LEAST_BUSY)
    assert (decision.outcome, decision.agent_id, decision.team_id) == (ASSIGNED, 1, 10)
    nobody_in_support = [sales, agent(2, OFFLINE, teams=(20,))]
    decision = choose(nobody_in_support, team_id=20, fallback_team_id=10, strategy=LEAST_BUSY)
    assert decision.agent_id == 1
    decision = choose([full_support], team_id=20, fallback_team_id=10, strategy=LEAST_BUSY)
    assert (decision.outcome, decision.team_id) == (QUEUED, 20)
    decision = choose([agent(2, OFFLINE, teams=(20,)), agent(1, BUSY, teams=(10,))],
                      team_id=20, fallback_team_id=10, strategy=LEAST_BUSY)
    assert (decision.outcome, decision.team_id) == (QUEUED, 10)
    decision = choose([agent(2, OFFLINE, teams=(20,))], team_id=20, fallback_team_id=10,
                      strategy=LEAST_BUSY)
    assert decision.outcome == NOBODY_ONLINE


def test_nobody_at_all() -> None:
    assert choose([], team_id=None, fallback_team_id=None,
                  strategy=LEAST_BUSY).outcome == NOBODY_ONLINE


def test_queue_positions_are_per_team_first_come_first_served() -> None:
    waiting = [Waiting(5, None, 3.0), Waiting(4, None, 1.0), Waiting(6, 20, 0.5),
               Waiting(7, None, 3.0)]
    assert position_in_queue(waiting, 4) == 1
    assert position_in_queue(waiting, 5) == 2
    assert position_in_queue(waiting, 7) == 3  # same time as 5: lower id first
    assert position_in_queue(waiting, 6) == 1
    assert position_in_queue(waiting, 99) is None


def test_next_to_serve_respects_teams_and_availability() -> None:
    waiting = [Waiting(1, 20, 1.0), Waiting(2, None, 2.0), Waiting(3, 10, 0.5)]
    assert next_to_serve(waiting, agent(9, teams=(10,))).conversation_id == 3
    assert next_to_serve(waiting, agent(9, teams=(20,))).conversation_id == 1
    assert next_to_serve(waiting, agent(9)).conversation_id == 2
    assert next_to_serve(waiting, agent(9, BUSY, teams=(10,))) is None
    assert next_to_serve(waiting, agent(9, active=5, teams=(10,))) is None
    assert next_to_serve([], agent(9)) is None
    # A member of the site's fallback team takes the oldest waiting chat of any team.
    assert next_to_serve(waiting, agent(9, teams=(30,)), 30).conversation_id == 3
    assert next_to_serve(waiting, agent(9, teams=(30,)), 40).conversation_id == 2
    assert next_to_serve(waiting, agent(9, BUSY, teams=(30,)), 30) is None


@pytest.mark.parametrize(("position", "present", "expected"),
                         [(0, 3, 0), (1, 1, 300), (3, 3, 300), (2, 0, 600), (1, 4, 75)])
def test_estimated_wait(position: int, present: int, expected: int) -> None:
    assert estimated_wait_seconds(position, present) == expected


def test_effective_status() -> None:
    assert effective_status(ONLINE, False, 0, 300) == OFFLINE
    assert effective_status(ONLINE, True, 299, 300) == ONLINE
    assert effective_status(ONLINE, True, 300, 300) == AWAY
    assert effective_status(BUSY, True, 9999, 300) == BUSY
    assert effective_status(AWAY, True, 0, 300) == AWAY
