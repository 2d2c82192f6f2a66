"""choose_agent is pure: table-driven cases for each rule, and its cost with 200 agents."""

from __future__ import annotations

import pytest

from bot.handoff.assignment import AgentLoad, AssignmentNeed, choose_agent


def agent(agent_id: str, active: int = 0, max_chats: int = 5, *, skills: tuple[str, ...] = (),
          languages: tuple[str, ...] = ("zh",), last: str | None = None) -> AgentLoad:
    return AgentLoad.of(agent_id, active, max_chats, skills=skills, languages=languages, last_assigned_at=last)


T1, T2 = "2024-05-01T09:00:00+00:00", "2024-05-01T10:00:00+00:00"

CASES = [
    pytest.param([agent("a"), agent("b", skills=("refund",))], ("refund", "zh"), "b", id="skill match wins"),
    pytest.param([agent("a", 0), agent("b", 4, skills=("refund",))], ("refund", "zh"), "b",
                 id="skill beats being less busy"),
    pytest.param([agent("a", languages=("zh",)), agent("b", languages=("en",))], (None, "en"), "b",
                 id="language match wins"),
    pytest.param([agent("a", skills=("refund",), languages=("en",)), agent("b", languages=("zh",))],
                 ("refund", "zh"), "a", id="skill ranks above language"),
    pytest.param([agent("a", languages=("zh-CN",)), agent("b", languages=("en",))], (None, "zh"), "a",
                 id="zh-CN speaks zh"),
    pytest.param([agent("a", 2), agent("b", 1)], (None, "zh"), "b", id="least busy"),
    pytest.param([agent("a", 1, 2), agent("b", 1, 5)], (None, "zh"), "b", id="busy relative to max"),
    pytest.param([agent("a", last=T2), agent("b", last=T1)], (None, "zh"), "b", id="tie: longest idle"),
    pytest.param([agent("a", last=T1), agent("b", last=None)], (None, "zh"), "b", id="never assigned is idlest"),
    pytest.param([agent("b"), agent("a")], (None, "zh"), "a", id="full tie: smallest id"),
    pytest.param([agent("a", 5, 5, skills=("refund",)), agent("b", 0)], ("refund", "zh"), "b",
                 id="full agents are skipped even with the skill"),
    pytest.param([agent("a", 5, 5), agent("b", 3, 3)], (None, "zh"), None, id="everyone full: wait"),
    pytest.param([], (None, "zh"), None, id="nobody online"),
    pytest.param([agent("a"), agent("b", skills=("Refund",))], ("REFUND", None), "b", id="skills ignore case"),
    pytest.param([agent("a"), agent("b", 3, skills=("vip",))], (None, "zh", ("VIP",)), "b",
                 id="customer tag matches a skill"),
    pytest.param([agent("a", skills=("refund",)), agent("b", skills=("vip",))], ("refund", "zh", ("vip",)), "a",
                 id="intent skill ranks above customer tag"),
    pytest.param([agent("a", skills=("vip",), languages=("en",)), agent("b")], (None, "zh", ("vip",)), "a",
                 id="customer tag ranks above language"),
]


@pytest.mark.parametrize(("candidates", "need", "expected"), CASES)
def test_choose_agent(candidates: list[AgentLoad], need: tuple, expected: str | None) -> None:
    chosen = choose_agent(candidates, AssignmentNeed.of(*need))
    assert (chosen.agent_id if chosen else None) == expected
