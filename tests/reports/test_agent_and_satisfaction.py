"""agent_performance and satisfaction_report on the fixture (tests/reports/fixture.py), by hand.
Both use the 7-day window [03-04 00:00, 03-10 12:00)."""

from __future__ import annotations

import pytest

from bot.reports.period import ReportInputError, UnknownAgent
from bot.reports.service import Reports


async def test_agent_performance_of_alice(reports: Reports) -> None:
    body = (await reports.agent_performance("a1", 7)).as_dict()
    assert (body["name"], body["days"], body["start"]) == ("Alice", 7, "2025-03-04T00:00:00.000000+00:00")
    # tickets assigned and created in the window: T1 T2 T6; resolved in it: T1 7200 s, T2 10800 s →
    # avg = median 9000, P95 at rank 0.95 → 7200 + 0.95·3600 = 10620
    assert (body["tickets_assigned"], body["tickets_resolved"]) == (3, 2)
    assert body["resolution_time"] == {
        "count": 2,
        "avg_seconds": 9000.0,
        "median_seconds": 9000.0,
        "p95_seconds": pytest.approx(10620),
    }
    # episodes queued in the window: C3 and C5's transfer (2 conversations); her own first response
    # (assigned → reply): 60 s and 60 s
    assert (body["handoffs"], body["conversations_handled"]) == (2, 2)
    assert body["first_response"] == {"count": 2, "avg_seconds": 60.0, "median_seconds": 60.0, "p95_seconds": 60.0}
    # handle, episodes ended in the window: C3 660 s, C7 140280 s → avg = median 70470,
    # P95 660 + 0.95·139620 = 133299
    assert body["handle_time"] == {
        "count": 2,
        "avg_seconds": 70470.0,
        "median_seconds": 70470.0,
        "p95_seconds": pytest.approx(133299),
    }
    # ratings naming her in the window: 4 (C3) and 3 (C7, 03-04 01:05) → 3.5, 1 of 2 satisfied
    assert body["csat"] == {
        "count": 2,
        "average": 3.5,
        "satisfied": 1,
        "satisfied_pct": 50.0,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0},
    }
    # her SLA: response met T1 ok, T2 late, T6 ok → 2/3; resolution T1, T2 on time → 2/2
    assert body["sla"] == {
        "response": {"count": 2, "total": 3, "pct": 66.67},
        "resolution": {"count": 2, "total": 2, "pct": 100.0},
    }


async def test_agent_without_activity_has_zeros(reports: Reports) -> None:
    body = (await reports.agent_performance("a3", 30)).as_dict()
    assert body["tickets_assigned"] == body["handoffs"] == body["csat"]["count"] == 0
    assert body["handle_time"]["avg_seconds"] is None and body["sla"]["response"]["pct"] is None


async def test_unknown_agent_and_bad_days(reports: Reports) -> None:
    with pytest.raises(UnknownAgent) as err:
        await reports.agent_performance("nobody", 7)
    assert err.value.agent_id == "nobody"
    for days in (0, -1, 3661):
        with pytest.raises(ReportInputError, match=r"^days: "):
            await reports.agent_performance("a1", days)
        with pytest.raises(ReportInputError, match=r"^days: "):
            await reports.satisfaction_report(days)


async def test_satisfaction_report(reports: Reports) -> None:
    body = (await reports.satisfaction_report(7)).as_dict()
    # 5 4 2 1 3 4 (the 03-03 rating is outside): average 3.17, 3 of 6 satisfied
    assert body["csat"]["count"] == 6 and body["csat"]["average"] == 3.17
    assert body["csat"]["distribution"] == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 1}
    # no agent: 5, 1, 4 → 3.33, 2 of 3; Alice 4, 3 → 3.5, 1 of 2; Bob 2 → 0 of 1
    assert body["by_agent"] == [
        {"key": None, "name": None, "count": 3, "average": 3.33, "satisfied_pct": 66.67},
        {"key": "a1", "name": "Alice", "count": 2, "average": 3.5, "satisfied_pct": 50.0},
        {"key": "a2", "name": "Bob", "count": 1, "average": 2.0, "satisfied_pct": 0.0},
    ]
    # channel of the rated conversation, else of the rated ticket (T4 → phone):
    # web C1 5 + C7 3; wechat C3 4 + C4 1; app C5 2; phone 4
    assert body["by_channel"] == [
        {"key": "web", "name": None, "count": 2, "average": 4.0, "satisfied_pct": 50.0},
        {"key": "wechat", "name": None, "count": 2, "average": 2.5, "satisfied_pct": 50.0},
        {"key": "app", "name": None, "count": 1, "average": 2.0, "satisfied_pct": 0.0},
        {"key": "phone", "name": None, "count": 1, "average": 4.0, "satisfied_pct": 100.0},
    ]
    # scores 1-2 in the window, newest first: C5 (03-09, Bob, with ticket-less conversation), C4
    low = [
        (r["score"], r["conversation_id"], r["ticket_id"], r["agent_id"], r["channel"], r["comment"])
        for r in body["low_ratings"]
    ]
    assert low == [(2, "C5", None, "a2", "app", "太慢"), (1, "C4", None, None, "wechat", "没人理")]
