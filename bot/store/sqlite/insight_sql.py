"""The SQL of the customer insight report (SQLite dialect). ?1 = window start, ?2 = window end
(ISO-8601 UTC text; windows are [start, end)); further parameters are named where used. Meanings
are documented in bot/reports/insight.py.

Every query reads one window of a time index (decisions_created, tickets_created,
ratings_created, conversations_created) and groups what it finds; 30 days of a 100k-ticket /
1M-message history are ~170k decisions, ~70k conversations, ~33k tickets and ~20k ratings.
"""

from __future__ import annotations

W = "{col} >= ?1 AND {col} < ?2"


def _in(column: str) -> str:
    return W.format(col=column)


# Turns the FAQ answered, per FAQ category ('' = an FAQ without one, or one deleted since).
FAQ_CATEGORIES = f"""SELECT COALESCE(f.category, '') AS key, COUNT(*) AS n
    FROM decisions d LEFT JOIN faqs f ON f.id = d.faq_id
    WHERE {_in("d.created_at")} AND d.route = 'faq' AND d.faq_id IS NOT NULL
    GROUP BY key ORDER BY n DESC, key"""

# Unanswered turns: the router's fallback route (no confident FAQ, intent or LLM answer).
FALLBACKS = f"SELECT COUNT(*) AS n FROM decisions WHERE {_in('created_at')} AND route = 'fallback'"

# The customer's words of the newest ?3 fallback turns: the customer message of that turn is the
# conversation's last one from the customer at or before the decision (decisions are written
# with the turn's replies, after the message). Purged or erased text is '' and skipped.
FALLBACK_TEXTS = f"""SELECT text FROM (
        SELECT (SELECT m.text FROM messages m WHERE m.conversation_id = d.conversation_id
                  AND m.sender = 'customer' AND m.created_at <= d.created_at ORDER BY m.id DESC LIMIT 1) AS text
        FROM decisions d WHERE {_in("d.created_at")} AND d.route = 'fallback'
        ORDER BY d.created_at DESC LIMIT ?3)
    WHERE text IS NOT NULL AND text != ''"""

_SENTIMENT = """COUNT(*) AS n, COALESCE(SUM({d}sentiment = 'negative'), 0) AS negative,
        COALESCE(SUM({d}sentiment = 'neutral'), 0) AS neutral,
        COALESCE(SUM({d}sentiment = 'positive'), 0) AS positive"""

# Sentiment of the customer turns per intent (the decisions alone) ...
SENTIMENT_BY_INTENT = f"""SELECT intent AS key, {_SENTIMENT.format(d="")}
    FROM decisions WHERE {_in("created_at")} GROUP BY intent"""

# ... and per channel of the turn's conversation (the costlier one: a lookup per turn).
SENTIMENT_BY_CHANNEL = f"""SELECT c.channel AS key, {_SENTIMENT.format(d="d.")}
    FROM decisions d CROSS JOIN conversations c ON c.id = d.conversation_id
    WHERE {_in("d.created_at")} GROUP BY c.channel"""

_CSAT = "COUNT(*) AS n, AVG(r.score) AS avg, COALESCE(SUM(r.score >= 4), 0) AS satisfied"

# CSAT by contact reason: a rated conversation's reason is the intent of its first turn that
# had one (NULL: none did).
CSAT_BY_INTENT = f"""SELECT (SELECT d.intent FROM decisions d WHERE d.conversation_id = r.conversation_id
            AND d.intent IS NOT NULL ORDER BY d.id LIMIT 1) AS key, {_CSAT}
    FROM ratings r WHERE {_in("r.created_at")} AND r.conversation_id IS NOT NULL
    GROUP BY key ORDER BY n DESC, key"""

# CSAT by the type of the rated ticket.
CSAT_BY_TICKET_TYPE = f"""SELECT t.type AS key, {_CSAT}
    FROM ratings r CROSS JOIN tickets t ON t.id = r.ticket_id
    WHERE {_in("r.created_at")} GROUP BY t.type ORDER BY n DESC, key"""

# Conversations created in the window per customer with the gap (days) to that customer's
# previous one in the window; ?3 = N days: a conversation within N days of the previous is a
# repeat. One row of totals (customer_id NULL: customers, repeat customers, repeat conversations),
# then the ?4 customers with the most repeats (erased customers' anonymous stand-ins are no one
# to follow up).
REPEATS = f"""WITH c AS (SELECT customer_id, julianday(created_at) AS jd FROM conversations
                   WHERE {_in("created_at")}),
        g AS (SELECT customer_id, jd - LAG(jd) OVER (PARTITION BY customer_id ORDER BY jd) AS gap FROM c),
        per AS MATERIALIZED (SELECT customer_id, COUNT(*) AS conversations, COALESCE(SUM(gap <= ?3), 0) AS repeats
                             FROM g GROUP BY customer_id)
    SELECT * FROM (SELECT NULL AS customer_id, COUNT(*) AS conversations, COALESCE(SUM(repeats > 0), 0) AS repeats,
                          COALESCE(SUM(repeats), 0) AS repeat_conversations FROM per)
    UNION ALL
    SELECT * FROM (SELECT customer_id, conversations, repeats, repeats FROM per
                   WHERE repeats > 0 AND customer_id NOT LIKE 'erased-%'
                   ORDER BY repeats DESC, conversations DESC, customer_id LIMIT ?4)"""

# For the customers in ?3 (a JSON array): their contact reasons in the window (intents of their
# conversations' turns) ...
CUSTOMER_INTENTS = f"""SELECT c.customer_id AS customer_id, d.intent AS key, COUNT(*) AS n
    FROM conversations c CROSS JOIN decisions d ON d.conversation_id = c.id
    WHERE c.customer_id IN (SELECT value FROM json_each(?3)) AND {_in("c.created_at")} AND d.intent IS NOT NULL
    GROUP BY c.customer_id, d.intent ORDER BY c.customer_id, n DESC, key"""

# ... and the first thing they said in each conversation, newest conversation first.
CUSTOMER_OPENINGS = f"""SELECT c.customer_id AS customer_id,
        (SELECT m.text FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'customer'
         ORDER BY m.id LIMIT 1) AS text
    FROM conversations c
    WHERE c.customer_id IN (SELECT value FROM json_each(?3)) AND {_in("c.created_at")}
    ORDER BY c.customer_id, c.created_at DESC"""

# Tickets created in the window per customer (?3 = how many), with the customer's tags.
TICKET_CUSTOMERS = f"""SELECT t.customer_id AS customer_id, COUNT(*) AS n,
        (SELECT cu.tags FROM customers cu WHERE cu.id = t.customer_id) AS tags
    FROM tickets t WHERE {_in("t.created_at")} AND t.customer_id IS NOT NULL AND t.customer_id NOT LIKE 'erased-%'
    GROUP BY t.customer_id ORDER BY n DESC, t.customer_id LIMIT ?3"""

# The tickets of the customers in ?3 (a JSON array), newest first: type and title.
CUSTOMER_TICKETS = f"""SELECT customer_id, type, title FROM tickets
    WHERE customer_id IN (SELECT value FROM json_each(?3)) AND {_in("created_at")}
    ORDER BY customer_id, created_at DESC"""

# Tags behind the tickets created in the window: the ticket's own, and its customer's profile
# tags; compared case-insensitively (shown in one of the spellings used).
TICKET_TAGS = f"""SELECT lower(trim(j.value)) AS key, MIN(trim(j.value)) AS label, COUNT(*) AS n
    FROM tickets t, json_each(t.tags) j
    WHERE {_in("t.created_at")} AND trim(j.value) != '' GROUP BY key ORDER BY n DESC, key LIMIT ?3"""

CUSTOMER_TAGS = f"""SELECT lower(trim(j.value)) AS key, MIN(trim(j.value)) AS label, COUNT(*) AS n
    FROM tickets t CROSS JOIN customers cu ON cu.id = t.customer_id, json_each(cu.tags) j
    WHERE {_in("t.created_at")} AND trim(j.value) != '' GROUP BY key ORDER BY n DESC, key LIMIT ?3"""
