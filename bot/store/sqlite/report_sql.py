"""The SQL text of the reports (SQLite dialect). Parameters: ?1 = window start, ?2 = window end
(ISO-8601 UTC text, which sorts like the instant it names; windows are [start, end)), ?3 = the
agent id where there is one. Meanings are documented in bot/reports/service.py.

Speed on 100k tickets / 1M messages comes from three habits (see migration 5 for the indexes):
- counts are index range counts, never a scan of the table;
- distributions walk the distinct keys of a (key, created_at) index (a "loose index scan") and
  count each key's range, instead of GROUP BY, which in SQLite sorts every row of the window;
- durations sort only their own values: count, average, and the median and P95 by linear
  interpolation between the two nearest ranks (PostgreSQL's percentile_cont), picked with
  ROW_NUMBER() so nothing but four numbers leaves the database.
"""

from __future__ import annotations

SECONDS = "* 86400.0"  # julianday difference → seconds
W = "{col} >= ?1 AND {col} < ?2"


def _in(column: str) -> str:
    return W.format(col=column)


def _percentile(p: float, alias: str) -> tuple[str, str]:
    lo = f"CAST({p} * (n - 1) AS INTEGER)"
    pick = f"MAX(CASE WHEN i = {lo} THEN v END) AS {alias}_lo, MAX(CASE WHEN i = {lo} + 1 THEN v END) AS {alias}_hi"
    value = (
        f"{alias}_lo + (COALESCE({alias}_hi, {alias}_lo) - {alias}_lo) "
        f"* ({p} * (n - 1) - CAST({p} * (n - 1) AS INTEGER)) AS {alias}"
    )
    return pick, value


def duration_sql(values: str) -> str:
    """n, avg, median and p95 of the one-column `values` query (NULLs are skipped)."""
    m_pick, m_value = _percentile(0.5, "median")
    p_pick, p_value = _percentile(0.95, "p95")
    return f"""WITH d(v) AS ({values}),
        r AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v) - 1 AS i, COUNT(*) OVER () AS n
              FROM d WHERE v IS NOT NULL),
        a AS (SELECT COUNT(*) AS n, AVG(v) AS avg, {m_pick}, {p_pick} FROM r)
        SELECT n, avg, {m_value}, {p_value} FROM a"""


def distribution_sql(table: str, column: str, time_column: str = "created_at") -> str:
    """(key, n) rows of `table` in the window per value of `column` (NULL included), largest first.
    Needs an index on (column, time_column)."""
    count = f"SELECT COUNT(*) FROM {table} WHERE {column} {{match}} AND {_in(time_column)}"
    return f"""WITH RECURSIVE k(v) AS (
            SELECT MIN({column}) FROM {table}
            UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > k.v) FROM k WHERE k.v IS NOT NULL),
        c(key, n) AS (
            SELECT v, ({count.format(match="= k.v")}) FROM k WHERE v IS NOT NULL
            UNION ALL SELECT NULL, ({count.format(match="IS NULL")}))
        SELECT key, n FROM c WHERE n > 0 ORDER BY n DESC, key"""


# Bot first response: conversations created in the window, first customer message → first bot
# message at or after it (columns kept by the triggers of migration 5).
BOT_FIRST_RESPONSE = duration_sql(
    f"""SELECT (julianday(first_bot_reply_at) - julianday(first_customer_message_at)) {SECONDS}
        FROM conversations WHERE {_in("created_at")} AND first_bot_reply_at IS NOT NULL"""
)

_NO_HANDOFF = "NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id)"

# Bot resolution: conversations created in the window, closed, never with a human.
BOT_RESOLUTION = duration_sql(
    f"""SELECT (julianday(c.closed_at) - julianday(c.created_at)) {SECONDS} FROM conversations c
        WHERE {_in("c.created_at")} AND c.closed_at IS NOT NULL AND c.had_agent = 0 AND {_NO_HANDOFF}"""
)

# Human first response: handoff episodes queued in the window, queued_at → first agent reply.
HUMAN_FIRST_RESPONSE = duration_sql(
    f"""SELECT (julianday(first_agent_reply_at) - julianday(queued_at)) {SECONDS} FROM handoffs
        WHERE {_in("queued_at")} AND first_agent_reply_at IS NOT NULL"""
)

# One agent's own first response: their episodes queued in the window, assigned → first reply.
AGENT_FIRST_RESPONSE = duration_sql(
    f"""SELECT (julianday(first_agent_reply_at) - julianday(assigned_at)) {SECONDS} FROM handoffs
        WHERE agent_id = ?3 AND {_in("queued_at")} AND first_agent_reply_at IS NOT NULL"""
)

_HANDLE = f"""SELECT (julianday(ended_at) - julianday(assigned_at)) {SECONDS} FROM handoffs
    WHERE {_in("ended_at")} AND assigned_at IS NOT NULL"""
HANDLE_TIME = duration_sql(_HANDLE)
AGENT_HANDLE_TIME = duration_sql(_HANDLE + " AND agent_id = ?3")

# Ticket first response: tickets created in the window, created_at → first_response_at.
TICKET_FIRST_RESPONSE = duration_sql(
    f"""SELECT (julianday(first_response_at) - julianday(created_at)) {SECONDS} FROM tickets
        WHERE {_in("created_at")} AND first_response_at IS NOT NULL"""
)

# Ticket resolution on the SLA clock: tickets resolved in the window, created → resolved minus the
# stretches the clock stood still. The clock (bot/tickets/sla_clock.py) stops at waiting_customer and at
# resolved (`paused_at`) and adds a stretch to paused_seconds only when the ticket moves on, so it
# stopped for good at paused_at (still resolved) or at closed_at (closed: by then the final stretch
# is in paused_seconds).
_RESOLUTION = f"""SELECT (julianday(COALESCE(paused_at, closed_at, resolved_at)) - julianday(created_at))
        {SECONDS} - paused_seconds FROM tickets WHERE {_in("resolved_at")}"""
TICKET_RESOLUTION = duration_sql(_RESOLUTION)
AGENT_TICKET_RESOLUTION = duration_sql(_RESOLUTION + " AND assignee = ?3")

# Conversations created in the window: how many, how many had an agent (had_agent), how many have
# a handoff row, and how many both; contained = total - with_agent - handed_off + both.
CONVERSATIONS = f"""SELECT
        (SELECT COUNT(*) FROM conversations WHERE {_in("created_at")}) AS total,
        (SELECT COALESCE(SUM(had_agent = 1), 0) FROM conversations WHERE {_in("created_at")}) AS with_agent,
        COUNT(DISTINCT c.rowid) AS handed_off,
        COUNT(DISTINCT CASE WHEN c.had_agent = 1 THEN c.rowid END) AS both_
    FROM handoffs h CROSS JOIN conversations c ON c.id = h.conversation_id
    WHERE h.queued_at >= ?1 AND {_in("c.created_at")}"""
# (CROSS JOIN keeps the order: from the few handoffs queued since the start to their conversation,
# not from every conversation of the window to its handoffs; a handoff is never queued before its
# conversation is created.)

CHANNELS = distribution_sql("conversations", "channel")
INTENTS = distribution_sql("decisions", "intent")
TICKET_TYPES = distribution_sql("tickets", "type")

TICKETS = f"""SELECT
        (SELECT COUNT(*) FROM tickets WHERE {_in("created_at")}) AS created,
        (SELECT COUNT(*) FROM tickets WHERE status IN ('resolved', 'closed') AND {_in("created_at")}) AS done,
        (SELECT COUNT(*) FROM tickets WHERE assignee IS NULL AND {_in("created_at")}) AS unassigned"""

HANDOFFS_QUEUED = f"SELECT COUNT(*) AS n FROM handoffs WHERE {_in('queued_at')}"

AGENT_TICKETS = f"SELECT COUNT(*) AS n FROM tickets WHERE assignee = ?3 AND {_in('created_at')}"
AGENT_HANDOFFS = f"""SELECT COUNT(*) AS n, COUNT(DISTINCT conversation_id) AS conversations
    FROM handoffs WHERE agent_id = ?3 AND {_in("queued_at")}"""

# Every agent: tickets assigned to them created / resolved in the window, episodes queued in it.
AGENT_LOADS = f"""SELECT a.id AS agent_id, a.name AS name,
        (SELECT COUNT(*) FROM tickets t WHERE t.assignee = a.id AND {_in("t.created_at")}) AS tickets,
        (SELECT COUNT(*) FROM tickets t WHERE t.assignee = a.id AND {_in("t.resolved_at")}) AS resolved,
        (SELECT COUNT(*) FROM handoffs h WHERE h.agent_id = a.id AND {_in("h.queued_at")}) AS handoffs
    FROM agents a ORDER BY tickets DESC, handoffs DESC, a.id"""

AGENT = "SELECT id, name FROM agents WHERE id = ?"


def _sla_sql(agent: str) -> str:
    """SLA per clock: a ticket counts when its target was met in the window (met_*), or it was
    flagged breached with its due time in the window without being met in it (late_*);
    attained (ok_*) = met and not flagged."""
    parts = []
    for clock, met, due in (
        ("response", "first_response_at", "sla_response_due"),
        ("resolution", "resolved_at", "sla_resolution_due"),
    ):
        flag = f"{clock}_breached"
        parts.append(f"""(SELECT COUNT(*) AS met_{clock}, COALESCE(SUM({flag} = 0), 0) AS ok_{clock}
            FROM tickets WHERE {_in(met)} AND {due} IS NOT NULL{agent})""")
        parts.append(f"""(SELECT COUNT(*) AS late_{clock} FROM tickets
            WHERE {flag} = 1 AND {_in(due)} AND NOT COALESCE({_in(met)}, 0){agent})""")
    return "SELECT * FROM " + ", ".join(parts)


SLA = _sla_sql("")
AGENT_SLA = _sla_sql(" AND assignee = ?3")

_CSAT_COLUMNS = """COUNT(*) AS n, AVG(score) AS avg, COALESCE(SUM(score >= 4), 0) AS satisfied,
        COALESCE(SUM(score = 1), 0) AS s1, COALESCE(SUM(score = 2), 0) AS s2,
        COALESCE(SUM(score = 3), 0) AS s3, COALESCE(SUM(score = 4), 0) AS s4,
        COALESCE(SUM(score = 5), 0) AS s5"""
CSAT = f"SELECT {_CSAT_COLUMNS} FROM ratings WHERE {_in('created_at')}"
AGENT_CSAT = CSAT + " AND agent_id = ?3"

CSAT_BY_AGENT = f"""SELECT r.agent_id AS key, a.name AS name, COUNT(*) AS n, AVG(r.score) AS avg,
        SUM(r.score >= 4) AS satisfied
    FROM ratings r LEFT JOIN agents a ON a.id = r.agent_id WHERE {_in("r.created_at")}
    GROUP BY r.agent_id ORDER BY n DESC, key"""

# The channel of a rating: its conversation's, else its ticket's (looked up only when needed).
_RATING_CHANNEL = """COALESCE((SELECT c.channel FROM conversations c WHERE c.id = r.conversation_id),
        (SELECT t.channel FROM tickets t WHERE t.id = r.ticket_id))"""
CSAT_BY_CHANNEL = f"""SELECT {_RATING_CHANNEL} AS key, NULL AS name, COUNT(*) AS n, AVG(r.score) AS avg,
        SUM(r.score >= 4) AS satisfied
    FROM ratings r WHERE {_in("r.created_at")} GROUP BY key ORDER BY n DESC, key"""

LOW_RATINGS = f"""SELECT r.id, r.score, r.ticket_id, r.conversation_id, r.agent_id,
        {_RATING_CHANNEL} AS channel, r.comment, r.created_at
    FROM ratings r WHERE {_in("r.created_at")} AND r.score <= ?3
    ORDER BY r.created_at DESC, r.id DESC LIMIT ?4"""

# Per UTC date (?3: JSON array of YYYY-MM-DD), index range counts clipped to the window.
_DAY = "MAX(?1, j.value || 'T00:00:00.000000+00:00')", "MIN(?2, date(j.value, '+1 day') || 'T00:00:00.000000+00:00')"


def _per_day(table: str, column: str) -> str:
    return f"(SELECT COUNT(*) FROM {table} WHERE {column} >= {_DAY[0]} AND {column} < {_DAY[1]})"


DAILY = f"""SELECT j.value AS day, {_per_day("conversations", "created_at")} AS conversations,
        {_per_day("tickets", "created_at")} AS tickets_created,
        {_per_day("tickets", "resolved_at")} AS tickets_resolved
    FROM json_each(?3) j ORDER BY j.key"""
