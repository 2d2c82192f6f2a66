"""The customer insight report over a known history (tests/reports/insight_fixture.py): reasons and
their moves, unanswered-question clusters, sentiment and CSAT by reason and channel, repeat
contacts, the customers and tags behind tickets — masked wherever a customer shows."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.reports.clusters import cluster
from bot.reports.insight import InsightReports
from bot.reports.insight_html import render_insight_html
from bot.reports.period import ReportInputError
from bot.store import Store
from tests.reports.insight_fixture import NOW, PHONE_ID, SAID_PHONE, seed


@pytest.fixture
async def doc(store: Store) -> dict[str, Any]:
    await seed(store.db)
    return (await InsightReports(store, now=lambda: NOW).insight(7)).as_dict()


def by_key(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {r["key"]: r for r in rows}


async def test_totals_and_contact_reasons_move_against_the_previous_period(doc: dict[str, Any]) -> None:
    assert doc["start"] == "2025-03-04T00:00:00.000000+00:00" and doc["previous"]["end"] == doc["start"]
    totals = doc["totals"]
    assert totals["conversations"] == {"count": 5, "previous": 1, "change": 4, "change_pct": 400.0}
    assert totals["tickets"]["count"] == 4 and totals["unanswered_turns"]["count"] == 6
    assert totals["unanswered_turns"]["previous"] == 1 and totals["customer_turns"]["count"] == 10
    intents = by_key(doc["reasons"]["intents"])
    assert intents["refund_request"] | {"share_pct": None} == {
        "key": "refund_request", "count": 2, "share_pct": None, "previous": 1, "change": 1, "change_pct": 100.0}
    assert intents["shipping"]["count"] == 2 and intents["shipping"]["change_pct"] is None  # new this period
    types = by_key(doc["reasons"]["ticket_types"])
    assert (types["退款"]["count"], types["退款"]["previous"]) == (2, 0)
    assert (types["物流"]["count"], types["物流"]["previous"], types["物流"]["share_pct"]) == (2, 1, 50.0)
    faq = by_key(doc["reasons"]["faq_categories"])
    assert faq["售后"]["count"] == 1 and faq["物流"]["count"] == 1


async def test_unanswered_questions_are_clustered_with_masked_examples(doc: dict[str, Any]) -> None:
    un = doc["unanswered"]
    assert un["turns"] == 6 and un["previous"] == 1 and un["share_of_turns_pct"] == 60.0
    groups = sorted((c["count"], sorted(c["examples"])) for c in un["clusters"])
    assert groups == [
        (3, sorted(["发票什么时候寄出", "发票怎么开", "发票抬头写错了"])),
        (3, sorted(["快递一直没到", "快递到哪了", "我的快递怎么还没到 电话 139****78"])),
    ]
    assert any("快递" in c["keywords"] for c in un["clusters"]) and any("发票" in c["keywords"] for c in un["clusters"])
    assert SAID_PHONE not in json.dumps(doc, ensure_ascii=False)


async def test_sentiment_and_csat_by_reason_and_channel(doc: dict[str, Any]) -> None:
    reasons = by_key(doc["sentiment_csat"]["by_reason"])
    refund = reasons["refund_request"]
    assert (refund["turns"], refund["negative"], refund["neutral"], refund["negative_pct"]) == (2, 1, 1, 50.0)
    assert refund["csat"] == {"count": 1, "average": 2.0, "satisfied_pct": 0.0}  # A1's first reason
    assert reasons["shipping"]["csat"] == {"count": 1, "average": 5.0, "satisfied_pct": 100.0}
    assert reasons[None]["turns"] == 6 and reasons[None]["unscored"] == 2  # the fallback turns
    channels = by_key(doc["sentiment_csat"]["by_channel"])
    assert channels["web"]["turns"] == 4 and channels["wechat"]["turns"] == 4 and channels["app"]["turns"] == 2
    assert channels["web"]["csat"]["average"] == 2.0 and channels["wechat"]["csat"]["average"] == 5.0
    assert doc["sentiment_csat"]["csat_by_ticket_type"] == [
        {"key": "物流", "count": 1, "average": 5.0, "satisfied_pct": 100.0}]


async def test_repeat_contacts_name_the_customer_masked(doc: dict[str, Any]) -> None:
    rc = doc["repeat_contacts"]
    assert (rc["within_days"], rc["customers"], rc["repeat_customers"], rc["repeat_conversations"]) == (7, 3, 1, 2)
    assert rc["repeat_customers_pct"] == 33.33
    [top] = rc["top"]
    assert top["customer"] == "13****11" and (top["conversations"], top["repeats"]) == (3, 2)
    assert top["reasons"] == [{"key": "refund_request", "count": 2}]
    assert top["examples"] == ["快递到哪了", "快递一直没到"]  # first words, newest conversation first
    assert PHONE_ID not in json.dumps(doc)


async def test_the_customers_and_tags_behind_the_tickets(doc: dict[str, Any]) -> None:
    tk = doc["tickets"]
    assert tk["created"] == 4
    first, second = tk["top_customers"]
    assert first["customer"] == "13****11" and first["tickets"] == 3 and first["share_pct"] == 75.0
    assert first["types"] == [{"key": "退款", "count": 2}, {"key": "物流", "count": 1}] and first["tags"] == ["VIP"]
    assert "请回电 139****78" in first["examples"] and second["customer"] == "c***b"
    tags = {t["tag"].lower(): t["tickets"] for t in tk["customer_tags"]}
    assert tags == {"vip": 4, "高价值客户": 1}  # "VIP" and "vip" are one tag
    assert tk["ticket_tags"] == [{"tag": "加急", "tickets": 3, "share_pct": 75.0}]


async def test_the_html_opens_offline_and_escapes_what_customers_wrote(store: Store) -> None:
    await seed(store.db)
    await store.db.execute("UPDATE tickets SET title = '<script>alert(1)</script> 退款' WHERE id = 'T2'")
    html = render_insight_html((await InsightReports(store, now=lambda: NOW).insight(7)).as_dict())
    assert html.startswith("<!doctype html>") and html.count("<svg") >= 8
    assert "<script" not in html and "&lt;script&gt;" in html
    # Nothing is fetched: no URL but the SVG namespace, and a policy that forbids loading anything.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in html and SAID_PHONE not in html and PHONE_ID not in html


async def test_an_empty_history_and_bad_input(store: Store) -> None:
    doc = (await InsightReports(store, now=lambda: NOW).insight(30)).as_dict()
    assert doc["totals"]["conversations"]["count"] == 0 and doc["unanswered"]["clusters"] == []
    assert "<svg" in render_insight_html(doc) or "nothing in this period" in render_insight_html(doc)
    for kwargs, field in (({"days": 0}, "days"), ({"repeat_within": 0}, "repeat_within"), ({"top": 1000}, "top")):
        with pytest.raises(ReportInputError) as exc:
            await InsightReports(store).insight(**kwargs)
        assert exc.value.field == field


def test_clusters_group_paraphrases_and_fold_numbers() -> None:
    texts = (["快递一直没到 单号 2024120100001", "快递一直没到 单号 2024120100002", "我的快递怎么还没到"] * 5
             + ["积分怎么兑换", "积分过期了怎么办", "会员积分在哪里看"] * 3 + ["asdkjfh"])
    result = cluster(texts)
    assert result.texts == len(texts)
    sizes = [(c.count, c.keywords[0]) for c in result.clusters]
    assert sizes == [(15, "快递"), (9, "积分")] and result.other == 1
    logistics = result.clusters[0]
    assert logistics.distinct == 2  # the two order numbers are one form
    assert len(logistics.examples) == 2 and cluster([]).clusters == ()
