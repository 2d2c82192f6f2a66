"""`bench --insight`: how long the customer insight report takes on a large SQLite history.

Seeds a temporary database with the reports benchmark's history (benchmarks/reports_seed.py:
90 days, `tickets` tickets, `messages` messages), then gives it what the insight report reads
and that seed leaves flat: customer words (questions of 12 topics in several phrasings, some with
an order number, phone or e-mail), sentiment on the turns, FAQ answers with categories, ticket
titles and tags, and profile tags on one customer in ten. Then times `insight_report --days 30`:
`first` in this process (imports, jieba's dictionary), `cold` on a freshly opened database
(SQLite's page cache empty; the OS file cache is not dropped, that needs root) and `warm` on
the same connection again, best of `repeat`; and the HTML rendering.
"""

from __future__ import annotations

import asyncio
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.reports_seed import seed
from bot.reports.insight import InsightReports
from bot.reports.insight_html import render_insight_html
from bot.store.sqlite.database import Database
from bot.store.sqlite.store import sqlite_store

Progress = Callable[[str], None]
DAYS = 30

# What customers write: 12 topics, a few phrasings each; {n} an order number, {p} a phone, {m} an e-mail.
TOPICS = (
    ("快递到哪了 订单{n}", "我的快递怎么还没到", "物流好几天没更新了", "where is my parcel {n}"),
    ("怎么开发票", "发票抬头写错了能改吗", "电子发票在哪下载", "can I get an invoice"),
    ("积分怎么兑换", "积分过期了怎么办", "会员积分在哪里看"),
    ("修改收货地址", "地址填错了怎么改", "how do I change the shipping address"),
    ("你们有实体店吗", "附近有没有线下门店", "门店几点关门"),
    ("手机号{p}收不到验证码", "验证码一直收不到", "登录提示验证码错误"),
    ("退款什么时候到账", "退款{n}还没收到", "refund not received yet"),
    ("优惠券怎么用不了", "领的券在哪里", "满减活动怎么参加"),
    ("商品有质量问题", "收到的东西坏了", "屏幕有划痕 要换货"),
    ("能开专票吗 邮箱{m}", "发票发到我邮箱 {m}", "invoice to {m} please"),
    ("怎么联系人工", "转人工", "客服电话多少"),
    ("尺码偏大还是偏小", "这款有没有黑色", "什么时候补货"),
)
PHRASES = [p for topic in TOPICS for p in topic]
TICKET_TITLES = {"refund": "退款未到账 {n}", "logistics": "快递延误 {n}", "complaint": "投诉服务态度",
                 "billing": "发票问题 {m}", "technical": "无法登录 {p}", "general": "咨询"}
CATEGORIES = ("售后", "物流", "发票", "会员", "账户", "活动")
CUSTOMER_TAGS = ('["VIP"]', '["vip", "高价值客户"]', '["企业客户"]', '["新客户"]', '["VIP", "投诉倾向"]')


def _fill(template: str, k: int) -> str:
    return template.format(n=2024120100000 + k % 99991, p=f"138{k % 10**8:08d}", m=f"user{k % 997}@example.com")


def phrase(k: int) -> str:
    """A deterministic customer message for row `k` (a spread of topics, phrasings and numbers)."""
    h = (k * 2654435761) % 2**32
    return _fill(PHRASES[h % len(PHRASES)], h // 7)


def ticket_title(kind: str, k: int) -> str:
    return _fill(TICKET_TITLES.get(kind, "工单"), k)


def enrich(path: Path) -> dict[str, int]:
    """What the insight report reads beyond the reports seed; returns rows touched per table."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.create_function("phrase", 1, phrase, deterministic=True)
        conn.create_function("ticket_title", 2, ticket_title, deterministic=True)
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        ts = "2024-01-01T00:00:00.000000+00:00"
        conn.executemany(
            "INSERT INTO faqs (id, question, answers, category, created_at, updated_at) VALUES (?, ?, '{}', ?, ?, ?)",
            [(f"faq_{i:02d}", f"问题 {i}", CATEGORIES[i % len(CATEGORIES)], ts, ts) for i in range(24)])
        counts = {
            "messages": conn.execute("UPDATE messages SET text = phrase(id) WHERE sender = 'customer'").rowcount,
            "decisions": conn.execute(
                """UPDATE decisions SET sentiment = CASE (id * 7919) % 10 WHEN 0 THEN 'negative' WHEN 1 THEN 'negative'
                       WHEN 9 THEN 'positive' WHEN 8 THEN 'positive' ELSE 'neutral' END,
                       faq_id = CASE route WHEN 'faq' THEN printf('faq_%02d', (id * 31) % 24) END""").rowcount,
            "tickets": conn.execute(
                """UPDATE tickets SET title = ticket_title(type, rowid), tags = CASE rowid % 5
                       WHEN 0 THEN '["加急"]' WHEN 1 THEN '["回访"]' ELSE '[]' END""").rowcount,
            "customers": conn.execute(
                f"""UPDATE customers SET tags = CASE rowid % 5 {" ".join(f"WHEN {i} THEN '{t}'"
                                                                         for i, t in enumerate(CUSTOMER_TAGS))} END
                    WHERE rowid % 10 = 0""").rowcount,
        }
        conn.execute("COMMIT")
    finally:
        conn.close()
    return counts


@dataclass(frozen=True, slots=True)
class InsightBenchReport:
    rows: dict[str, int]
    seed_seconds: float
    db_megabytes: float
    repeat: int
    first_ms: float
    cold_ms: float
    warm_ms: float
    render_ms: float
    html_kilobytes: float
    summary: dict[str, Any]
    sqlite_version: str
    python: str

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "seed_seconds": self.seed_seconds, "db_megabytes": self.db_megabytes,
                "days": DAYS, "repeat": self.repeat, "first_ms": self.first_ms, "cold_ms": self.cold_ms,
                "warm_ms": self.warm_ms, "render_ms": self.render_ms, "html_kilobytes": self.html_kilobytes,
                "target_ms": 10_000, "met": max(self.first_ms, self.cold_ms) + self.render_ms <= 10_000,
                "summary": self.summary, "sqlite_version": self.sqlite_version, "python": self.python}

    def render_text(self) -> str:
        rows = ", ".join(f"{n:,} {t}" for t, n in self.rows.items())
        met = "met" if self.as_dict()["met"] else "NOT met"
        s = self.summary
        return "\n".join([
            f"seeded {rows}",
            f"seed {self.seed_seconds:.1f} s, database {self.db_megabytes:.0f} MB "
            f"(SQLite {self.sqlite_version}, Python {self.python})",
            f"insight_report --days {DAYS} (best of {self.repeat}):",
            f"  first in process {self.first_ms:>9.1f} ms   (imports, jieba dictionary)",
            f"  cold             {self.cold_ms:>9.1f} ms   (fresh database connection)",
            f"  warm             {self.warm_ms:>9.1f} ms",
            f"  html render      {self.render_ms:>9.1f} ms   ({self.html_kilobytes:.0f} kB)",
            f"target <= 10,000 ms for 30 days over 100,000 tickets / 1,000,000 messages: {met}",
            f"the report: {s['conversations']:,} conversations, {s['tickets']:,} tickets, {s['unanswered']:,} "
            f"unanswered turns ({s['clustered']:,} clustered into {s['clusters']} clusters), "
            f"{s['repeat_customers']:,} repeat customers",
        ])


async def _time(path: Path, repeat: int) -> tuple[float, float, float, dict[str, Any]]:
    async def once(reports: InsightReports) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        doc = (await reports.insight(DAYS)).as_dict()
        return (time.perf_counter() - started) * 1000, doc

    db = await Database.open(path)
    try:
        first, doc = await once(InsightReports(sqlite_store(db)))
    finally:
        await db.close()
    cold = float("inf")
    for _ in range(repeat):
        db = await Database.open(path)
        try:
            cold = min(cold, (await once(InsightReports(sqlite_store(db))))[0])
        finally:
            await db.close()
    db = await Database.open(path)
    try:
        reports = InsightReports(sqlite_store(db))
        await once(reports)
        warm = min([(await once(reports))[0] for _ in range(repeat)])
    finally:
        await db.close()
    return round(first, 1), round(cold, 1), round(warm, 1), doc


async def run_insight_bench(tickets: int = 100_000, messages: int = 1_000_000, progress: Progress | None = None,
                            *, repeat: int = 3, keep: Path | None = None) -> InsightBenchReport:
    say = progress or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="insight-bench-") as tmp:
        path = keep or Path(tmp) / "bot.sqlite3"
        if path.exists():
            raise FileExistsError(f"{path} exists; the benchmark seeds a new database")
        db = await Database.open(path)  # the schema, by the real migrations
        await db.close()
        started = time.perf_counter()
        rows = await asyncio.to_thread(seed, path, tickets=tickets, messages=messages, progress=say)
        say("seeding customer words, sentiment, FAQ categories, titles and tags")
        await asyncio.to_thread(enrich, path)
        seed_seconds = round(time.perf_counter() - started, 1)
        size = round(path.stat().st_size / 1e6, 1)
        say(f"timing insight_report --days {DAYS} (first, then {repeat} cold and {repeat} warm runs)")
        first, cold, warm, doc = await _time(path, repeat)
        say("rendering the HTML")
        started = time.perf_counter()
        html = render_insight_html(doc)
        render = round((time.perf_counter() - started) * 1000, 1)
    t, un = doc["totals"], doc["unanswered"]
    summary = {"conversations": t["conversations"]["count"], "tickets": t["tickets"]["count"],
               "unanswered": un["turns"], "clustered": un["texts_clustered"], "clusters": len(un["clusters"]),
               "repeat_customers": doc["repeat_contacts"]["repeat_customers"]}
    return InsightBenchReport(rows, seed_seconds, size, repeat, first, cold, warm, render,
                              round(len(html.encode()) / 1000, 1), summary, sqlite3.sqlite_version,
                              platform.python_version())
