"""A small support history for the insight report, with known counts in a 7-day window.

NOW = 2025-03-10 12:00 UTC: the window is [03-04 00:00, 03-10 12:00), the previous period the
6.5 days before it, [02-25 12:00, 03-04 00:00).

In the window:
  customer 13800001111 (its id is a phone number; profile tags ["VIP"]):
    A1 web    03-05  "我要退款" (refund_request, negative, collect) ·
                     "我的快递怎么还没到 电话 13912345678" (fallback, negative)    rated 2
    A2 web    03-07  "快递一直没到" (fallback, neutral) · "退款多久到账" (refund_request, faq_001 售后)
    A3 wechat 03-09  "快递到哪了" (fallback)
    tickets: 退款 "请回电 13912345678", 退款 "退款未到账", 物流 "快递延误" — each tagged ["加急"]
  customer cust-b (tags ["vip", "高价值客户"]):
    B1 wechat 03-06  "发货要几天" (shipping, positive, faq_002 物流) · "发票怎么开" (fallback) ·
                     "发票抬头写错了" (fallback)                                 rated 5 (ticket 物流)
    ticket: 物流 "没收到货"
  customer cust-c:
    C1 app    03-08  "发票什么时候寄出" (fallback) · "发货了吗" (shipping)
Before it: cust-c P1 web 02-27 "退款" (refund_request) · "嗯？" (fallback); ticket 物流 "旧工单".
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.sqlite.database import Database

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
PHONE_ID, SAID_PHONE = "13800001111", "13912345678"


def t(day: str, hour: int = 10, minute: int = 0) -> str:
    month, d = (int(x) for x in day.split("-"))
    return datetime(2025, month, d, hour, minute, tzinfo=UTC).isoformat(timespec="microseconds")


CUSTOMERS = [(PHONE_ID, '["VIP"]'), ("cust-b", '["vip", "高价值客户"]'), ("cust-c", "[]")]
CONVERSATIONS = [
    ("A1", PHONE_ID, "web", "03-05"), ("A2", PHONE_ID, "web", "03-07"), ("A3", PHONE_ID, "wechat", "03-09"),
    ("B1", "cust-b", "wechat", "03-06"), ("C1", "cust-c", "app", "03-08"), ("P1", "cust-c", "web", "02-27"),
]
# conversation, minute, text, route, intent, sentiment, faq
TURNS = [
    ("A1", 0, "我要退款", "collect", "refund_request", "negative", None),
    ("A1", 2, f"我的快递怎么还没到 电话 {SAID_PHONE}", "fallback", None, "negative", None),
    ("A2", 0, "快递一直没到", "fallback", None, "neutral", None),
    ("A2", 2, "退款多久到账", "faq", "refund_request", "neutral", "faq_001"),
    ("A3", 0, "快递到哪了", "fallback", None, None, None),
    ("B1", 0, "发货要几天", "faq", "shipping", "positive", "faq_002"),
    ("B1", 2, "发票怎么开", "fallback", None, "neutral", None),
    ("B1", 4, "发票抬头写错了", "fallback", None, "neutral", None),
    ("C1", 0, "发票什么时候寄出", "fallback", None, None, None),
    ("C1", 2, "发货了吗", "collect", "shipping", None, None),
    ("P1", 0, "退款", "collect", "refund_request", None, None),
    ("P1", 2, "嗯？", "fallback", None, None, None),
]
# id, customer, conversation, type, title, tags, day
TICKETS = [("T1", PHONE_ID, "A1", "退款", f"请回电 {SAID_PHONE}", '["加急"]', "03-05"),
           ("T2", PHONE_ID, "A2", "退款", "退款未到账", '["加急"]', "03-07"),
           ("T3", PHONE_ID, "A3", "物流", "快递延误", '["加急"]', "03-09"),
           ("T4", "cust-b", "B1", "物流", "没收到货", "[]", "03-06"),
           ("T0", "cust-c", "P1", "物流", "旧工单", "[]", "02-27")]


async def seed(db: Database) -> None:
    ts = t("02-01")
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO customers (id, tags, created_at, updated_at) VALUES (?, ?, ?, ?)",
                               [(c, tags, ts, ts) for c, tags in CUSTOMERS])
        await conn.executemany(
            "INSERT OR IGNORE INTO faqs (id, question, answers, category, created_at, updated_at) "
            "VALUES (?, ?, '{}', ?, ?, ?)",  # the test app's sample FAQs have the same ids and categories
            [("faq_001", "如何退款", "售后", ts, ts), ("faq_002", "多久发货", "物流", ts, ts)])
        await conn.executemany(
            """INSERT INTO conversations (id, customer_id, channel, state, created_at, updated_at, last_message_at)
               VALUES (?, ?, ?, 'closed', ?, ?, ?)""",
            [(cid, cust, ch, t(day), t(day), t(day)) for cid, cust, ch, day in CONVERSATIONS])
        day_of = {cid: day for cid, _, _, day in CONVERSATIONS}
        for cid, minute, text, route, intent, sentiment, faq in TURNS:
            at, replied = t(day_of[cid], 10, minute), t(day_of[cid], 10, minute + 1)
            await conn.execute("INSERT INTO messages (conversation_id, direction, sender, text, created_at) "
                               "VALUES (?, 'in', 'customer', ?, ?)", (cid, text, at))
            await conn.execute("INSERT INTO messages (conversation_id, direction, sender, text, created_at) "
                               "VALUES (?, 'out', 'bot', '好的', ?)", (cid, replied))
            await conn.execute("INSERT INTO decisions (conversation_id, route, reason, intent, sentiment, faq_id, "
                               "created_at) VALUES (?, ?, 'test', ?, ?, ?, ?)",
                               (cid, route, intent, sentiment, faq, replied))
        await conn.executemany(
            """INSERT INTO tickets (id, customer_id, conversation_id, type, title, tags, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [(tid, cust, conv, kind, title, tags, t(day, 11), t(day, 11)) for tid, cust, conv, kind, title, tags, day
             in TICKETS])
        await conn.executemany(
            "INSERT INTO ratings (conversation_id, ticket_id, customer_id, score, created_at) VALUES (?, ?, ?, ?, ?)",
            [("A1", None, PHONE_ID, 2, t("03-05", 12)), ("B1", "T4", "cust-b", 5, t("03-06", 12))])
