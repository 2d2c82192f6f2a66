"""stats('7d') on the hand-built history of tests/reports/fixture.py: every figure by hand.

Window: [03-04 00:00, 03-10 12:00). In it: conversations C1 C2 C3 C4 C5 C6 C8 (C7 is older, C9 is
at NOW, which the window excludes); tickets created T1 T2 T3 T4 T6 T7 (T5 is older).
"""

from __future__ import annotations

import pytest

from bot.reports.models import StatsReport
from bot.reports.period import ReportInputError
from bot.reports.service import Reports


@pytest.fixture
async def report(reports: Reports) -> StatsReport:
    return await reports.stats("7d")


def durations(d: dict) -> tuple:
    return d["count"], d["avg_seconds"], d["median_seconds"], d["p95_seconds"]


async def test_window_and_volume(report: StatsReport) -> None:
    body = report.as_dict()
    assert body["period"] == "7d"
    assert body["start"] == "2025-03-04T00:00:00.000000+00:00"
    assert body["end"] == "2025-03-10T12:00:00.000000+00:00"
    # handoffs queued in the window: C3, C4, C5 and C5's transfer (C7's was queued 03-02) = 4
    # ratings in the window: all but the 03-03 one = 6; tickets resolved in it: T5 03-04, T1, T2 = 3
    assert body["volume"] == {
        "conversations": 7,
        "tickets_created": 6,
        "tickets_resolved": 3,
        "handoffs": 4,
        "ratings": 6,
    }


async def test_first_response_times(report: StatsReport) -> None:
    fr = report.as_dict()["first_response"]
    # bot, per conversation: C1 2 s, C2 4 s (the proactive 09:00:00 message came before the customer),
    # C3 1, C4 3, C5 10, C8 0.5; C6 has no reply yet. Sorted 0.5 1 2 3 4 10: avg 20.5/6 = 3.4167;
    # median at rank 2.5 → (2+3)/2 = 2.5; P95 at rank 0.95·5 = 4.75 → 4 + 0.75·(10-4) = 8.5
    assert durations(fr["bot"]) == (
        6,
        pytest.approx(3.417, abs=1e-3),
        pytest.approx(2.5, abs=1e-3),
        pytest.approx(8.5, abs=1e-3),
    )
    # human, per episode queued in the window with a reply: C3 120 s, C5 60, C5 transfer 60 →
    # sorted 60 60 120: avg 80, median 60, P95 at rank 1.9 → 60 + 0.9·60 = 114
    assert durations(fr["human"]) == (3, pytest.approx(80), pytest.approx(60), pytest.approx(114))
    # ticket, per ticket created in the window: T1 600, T2 1800, T6 1800, T7 1200 →
    # sorted 600 1200 1800 1800: avg 1350, median (1200+1800)/2 = 1500, P95 at rank 2.85 → 1800
    assert durations(fr["ticket"]) == (4, pytest.approx(1350), pytest.approx(1500), pytest.approx(1800))


async def test_resolution_and_handle_times(report: StatsReport) -> None:
    body = report.as_dict()
    # bot: contained and closed, created→closed: C1 300 s, C2 600 → avg 450, median 450,
    # P95 at rank 0.95 → 300 + 0.95·300 = 585 (C4 had a handoff row, C8 an agent, C6 is open)
    assert durations(body["resolution_time"]["bot"]) == (2, pytest.approx(450), pytest.approx(450), pytest.approx(585))
    # human, tickets resolved in the window on the SLA clock:
    #   T1 12:02 - 10:02 = 7200; T2 closed: (03-08 18:05 - 03-07 14:05 = 100800) - 90000 paused = 10800;
    #   T5 (03-04 09:00 - 03-01 09:00 = 259200) - 7200 = 252000
    #   avg 270000/3 = 90000, median 10800, P95 at rank 1.9 → 10800 + 0.9·241200 = 227880
    assert durations(body["resolution_time"]["human"]) == (
        3,
        pytest.approx(90000),
        pytest.approx(10800),
        pytest.approx(227880),
    )
    # handle: episodes ended in the window with an agent: C3 14:01:05→14:12:05 = 660, C5 (Bob)
    # 11:00:50→11:21:20 = 1230, C7 03-02 10:02 → 03-04 01:00 = 140280 (C4 never assigned, C5's
    # transfer still open): avg 142170/3 = 47390, median 1230, P95 1230 + 0.9·139050 = 126375
    assert durations(body["handle_time"]) == (3, pytest.approx(47390), pytest.approx(1230), pytest.approx(126375))


async def test_rates(report: StatsReport) -> None:
    body = report.as_dict()
    # of the 6 tickets created, resolved or closed now: T1, T2 = 2 → 33.33 %
    assert body["resolution_rate"] == {"count": 2, "total": 6, "pct": 33.33}
    # never a human (had_agent 0, no handoff row): C1, C2, C6 = 3 of 7 → 42.86 %
    assert body["bot_containment"] == {"count": 3, "total": 7, "pct": 42.86}
    # at least one handoff row: C3, C4, C5 = 3 of 7 (C8's agent came without one)
    assert body["handoff_rate"] == {"count": 3, "total": 7, "pct": 42.86}


async def test_sla_attainment(report: StatsReport) -> None:
    sla = report.as_dict()["sla"]
    # response: met in the window T1 ok, T2 late (flagged), T6 ok, T7 ok; flagged with the due time in
    # the window and not met in it: T3. T4 was cancelled unflagged, T5 met on 03-01 → 3 of 5 = 60 %
    assert sla["response"] == {"count": 3, "total": 5, "pct": 60.0}
    # resolution: resolved in the window T1 ok, T2 ok, T5 flagged; flagged unmet with the due in the
    # window: T3. T7's stored due passed while it waits for the customer: not counted → 2 of 4
    assert sla["resolution"] == {"count": 2, "total": 4, "pct": 50.0}


async def test_csat(report: StatsReport) -> None:
    # ratings in the window: 5, 4, 2, 1, 3, 4 → average 19/6 = 3.17, satisfied (4-5) 3 of 6 = 50 %
    assert report.as_dict()["csat"] == {
        "count": 6,
        "average": 3.17,
        "satisfied": 3,
        "satisfied_pct": 50.0,
        "distribution": {"1": 1, "2": 1, "3": 1, "4": 2, "5": 1},
    }


async def test_tickets_per_agent(report: StatsReport) -> None:
    body = report.as_dict()
    # Alice: created T1 T2 T6, resolved T1 T2, episodes queued C3 + C5 transfer (C7's is older)
    # Bob: created T3 T7, resolved T5 (created earlier), episode C5; Carol nothing; T4 unassigned
    assert body["agents"] == [
        {"agent_id": "a1", "name": "Alice", "tickets": 3, "resolved": 2, "handoffs": 2},
        {"agent_id": "a2", "name": "Bob", "tickets": 2, "resolved": 1, "handoffs": 1},
        {"agent_id": "a3", "name": "Carol", "tickets": 0, "resolved": 0, "handoffs": 0},
    ]
    assert body["tickets_unassigned"] == 1


async def test_distributions(report: StatsReport) -> None:
    body = report.as_dict()
    # web C1 C2, wechat C3 C4, then one each (ties by name; "web" < "wechat")
    assert body["channels"] == [
        {"key": "web", "count": 2, "pct": 28.57},
        {"key": "wechat", "count": 2, "pct": 28.57},
        {"key": "app", "count": 1, "pct": 14.29},
        {"key": "phone", "count": 1, "pct": 14.29},
        {"key": "telegram", "count": 1, "pct": 14.29},
    ]
    # decisions in the window: refund ×3 (C1 ×2, C5), shipping ×2 (C8, C2), complaint, unclassified
    assert body["intents"] == [
        {"key": "refund", "count": 3, "pct": 42.86},
        {"key": "shipping", "count": 2, "pct": 28.57},
        {"key": None, "count": 1, "pct": 14.29},
        {"key": "complaint", "count": 1, "pct": 14.29},
    ]
    # tickets created: refund T1 T2 T6, logistics T3 T4, general T7
    assert body["ticket_types"] == [
        {"key": "refund", "count": 3, "pct": 50.0},
        {"key": "logistics", "count": 2, "pct": 33.33},
        {"key": "general", "count": 1, "pct": 16.67},
    ]


async def test_daily_trend_has_every_day(report: StatsReport) -> None:
    days = [
        (d["date"], d["conversations"], d["tickets_created"], d["tickets_resolved"]) for d in report.as_dict()["daily"]
    ]
    assert days == [
        ("2025-03-04", 1, 0, 1),  # C8 at 00:00 (window start is inclusive); T5 resolved
        ("2025-03-05", 1, 1, 1),  # C1; T1 created and resolved
        ("2025-03-06", 1, 1, 0),  # C2; T4
        ("2025-03-07", 1, 1, 1),  # C3; T2 created and resolved
        ("2025-03-08", 1, 1, 0),  # C4; T7
        ("2025-03-09", 1, 1, 0),  # C5; T3
        ("2025-03-10", 1, 1, 0),  # C6 (C9 at 12:00 is NOW: excluded); T6
    ]


async def test_rolling_hours_window(reports: Reports) -> None:
    # 24h: [03-09 12:00, 03-10 12:00): only C6 and T6; C5 (03-09 11:00) is just outside
    body = (await reports.stats("24h")).as_dict()
    assert body["start"] == "2025-03-09T12:00:00.000000+00:00"
    assert body["volume"]["conversations"] == 1 and body["volume"]["tickets_created"] == 1
    assert [(d["date"], d["conversations"]) for d in body["daily"]] == [("2025-03-09", 0), ("2025-03-10", 1)]
    # the Nw form covers 7·N whole days: 1w is the same window as 7d
    assert (await reports.stats("1w")).as_dict()["start"] == "2025-03-04T00:00:00.000000+00:00"


async def test_empty_window_has_zeros_not_errors(reports: Reports) -> None:
    # 1d = 03-10 00:00 → 12:00: C6, T6, nothing resolved, no ratings
    body = (await reports.stats("1d")).as_dict()
    assert body["resolution_time"]["human"] == {
        "count": 0,
        "avg_seconds": None,
        "median_seconds": None,
        "p95_seconds": None,
    }
    assert body["csat"]["average"] is None and body["csat"]["satisfied_pct"] is None
    assert body["daily"] == [{"date": "2025-03-10", "conversations": 1, "tickets_created": 1, "tickets_resolved": 0}]


@pytest.mark.parametrize("period", ["", "7", "d", "7x", "-7d", "0d", "7 days", "3661d", "523w", "1.5d"])
async def test_bad_period_names_the_field(reports: Reports, period: str) -> None:
    with pytest.raises(ReportInputError) as err:
        await reports.stats(period)
    assert err.value.field == "period" and str(err.value).startswith("period: ")
