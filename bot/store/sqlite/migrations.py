"""Versioned schema. Each migration runs once, in order, inside one transaction.

Times are stored as UTC ISO-8601 text (sortable, readable in the sqlite shell); JSON columns
hold lists and maps. Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE customers (
            id TEXT PRIMARY KEY,
            name TEXT, email TEXT, phone TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            total_orders INTEGER NOT NULL DEFAULT 0,
            total_spent REAL NOT NULL DEFAULT 0,
            last_purchase TEXT,
            language TEXT,
            first_channel TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL REFERENCES customers(id),
            channel TEXT NOT NULL,
            state TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'zh',
            slots TEXT NOT NULL DEFAULT '{}',
            flow TEXT,
            fallback_count INTEGER NOT NULL DEFAULT 0,
            agent_id TEXT,
            priority TEXT NOT NULL DEFAULT 'normal',
            handoff_reason TEXT,
            queued_at TEXT,
            had_agent INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_message_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE INDEX conversations_customer ON conversations(customer_id, closed_at);
        CREATE INDEX conversations_state ON conversations(state, queued_at);
        CREATE INDEX conversations_created ON conversations(created_at);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            sender TEXT NOT NULL,
            agent_id TEXT,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX messages_conversation ON messages(conversation_id, id);
        CREATE INDEX messages_created ON messages(created_at);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            route TEXT NOT NULL,
            reason TEXT NOT NULL,
            scores TEXT NOT NULL DEFAULT '{}',
            language TEXT,
            intent TEXT,
            sentiment TEXT,
            faq_id TEXT,
            ticket_id TEXT,
            needs_review INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX decisions_conversation ON decisions(conversation_id, id);
        CREATE INDEX decisions_created ON decisions(created_at);
        CREATE TABLE processed_messages (
            channel TEXT NOT NULL,
            message_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            result TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, message_id)
        );
        CREATE TABLE faqs (
            id TEXT PRIMARY KEY,
            question TEXT NOT NULL,
            similar_questions TEXT NOT NULL DEFAULT '[]',
            answers TEXT NOT NULL,
            category TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            language TEXT NOT NULL DEFAULT 'zh',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE channels (
            name TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            settings TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE TABLE agents (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            skills TEXT NOT NULL DEFAULT '[]',
            languages TEXT NOT NULL DEFAULT '[]',
            max_concurrent_chats INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'offline',
            token_hash TEXT NOT NULL UNIQUE,
            last_seen_at TEXT,
            last_assigned_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE tickets (
            id TEXT PRIMARY KEY,
            customer_id TEXT REFERENCES customers(id),
            conversation_id TEXT REFERENCES conversations(id),
            type TEXT NOT NULL DEFAULT 'general',
            priority TEXT NOT NULL DEFAULT 'normal',
            status TEXT NOT NULL DEFAULT 'open',
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            assignee TEXT REFERENCES agents(id),
            tags TEXT NOT NULL DEFAULT '[]',
            channel TEXT,
            sla_response_due TEXT,
            sla_resolution_due TEXT,
            first_response_at TEXT,
            resolved_at TEXT,
            closed_at TEXT,
            paused_at TEXT,
            paused_seconds INTEGER NOT NULL DEFAULT 0,
            response_breached INTEGER NOT NULL DEFAULT 0,
            resolution_breached INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX tickets_status ON tickets(status, priority);
        CREATE INDEX tickets_created ON tickets(created_at);
        CREATE INDEX tickets_assignee ON tickets(assignee, status);
        CREATE INDEX tickets_customer ON tickets(customer_id);
        CREATE TABLE ticket_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_id TEXT NOT NULL REFERENCES tickets(id),
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT,
            comment TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT REFERENCES conversations(id),
            ticket_id TEXT REFERENCES tickets(id),
            agent_id TEXT,
            customer_id TEXT,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            comment TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX ratings_created ON ratings(created_at);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        """,
    ),
    (
        2,
        """
        CREATE TABLE handoffs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            customer_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            reason TEXT NOT NULL,
            priority TEXT NOT NULL DEFAULT 'normal',
            skill TEXT,
            language TEXT,
            ticket_id TEXT,
            agent_id TEXT,
            queued_at TEXT NOT NULL,
            assigned_at TEXT,
            first_agent_reply_at TEXT,
            ended_at TEXT,
            outcome TEXT
        );
        CREATE INDEX handoffs_open ON handoffs(ended_at, assigned_at, priority, queued_at);
        CREATE INDEX handoffs_conversation ON handoffs(conversation_id, id);
        CREATE INDEX handoffs_agent ON handoffs(agent_id, queued_at);
        CREATE INDEX handoffs_queued ON handoffs(queued_at);
        """,
    ),
    (
        3,
        """
        CREATE INDEX tickets_sla_response ON tickets(sla_response_due)
            WHERE response_breached = 0 AND first_response_at IS NULL AND status IN ('open', 'in_progress');
        CREATE INDEX tickets_sla_resolution ON tickets(sla_resolution_due)
            WHERE resolution_breached = 0 AND status IN ('open', 'in_progress');
        CREATE INDEX tickets_status_created ON tickets(status, created_at);
        CREATE INDEX tickets_assignee_created ON tickets(assignee, created_at);
        """,
    ),
    (
        5,
        """
        -- Reports (bot/reports/service.py). Each index serves a window query of `stats` on an indexed range
        -- instead of a scan or a sort; tickets and conversations are written far less often than
        -- messages, so their extra indexes cost the hot path little.
        ALTER TABLE conversations ADD COLUMN first_customer_message_at TEXT;
        ALTER TABLE conversations ADD COLUMN first_bot_reply_at TEXT;
        -- Bot first response per conversation, kept by triggers: finding it per conversation at report
        -- time took two index seeks per conversation (~0.5 s for 30 days of 1M messages). Each
        -- message insert now costs one primary-key lookup of its conversation.
        CREATE TRIGGER messages_first_customer AFTER INSERT ON messages WHEN NEW.sender = 'customer'
        BEGIN
            UPDATE conversations SET first_customer_message_at = NEW.created_at
            WHERE id = NEW.conversation_id AND first_customer_message_at IS NULL;
        END;
        CREATE TRIGGER messages_first_bot AFTER INSERT ON messages WHEN NEW.sender = 'bot'
        BEGIN
            UPDATE conversations SET first_bot_reply_at = NEW.created_at
            WHERE id = NEW.conversation_id AND first_bot_reply_at IS NULL
              AND first_customer_message_at <= NEW.created_at;
        END;
        UPDATE conversations SET first_customer_message_at = (
            SELECT MIN(m.created_at) FROM messages m
            WHERE m.conversation_id = conversations.id AND m.sender = 'customer');
        UPDATE conversations SET first_bot_reply_at = (
            SELECT MIN(m.created_at) FROM messages m WHERE m.conversation_id = conversations.id AND m.sender = 'bot'
              AND m.created_at >= conversations.first_customer_message_at)
        WHERE first_customer_message_at IS NOT NULL;
        CREATE INDEX conversations_channel ON conversations(channel, created_at);
        CREATE INDEX decisions_intent ON decisions(intent, created_at);
        CREATE INDEX tickets_type ON tickets(type, created_at);
        CREATE INDEX tickets_resolved ON tickets(resolved_at);
        CREATE INDEX tickets_assignee_resolved ON tickets(assignee, resolved_at);
        CREATE INDEX tickets_first_response ON tickets(first_response_at);
        CREATE INDEX tickets_response_breached ON tickets(sla_response_due) WHERE response_breached = 1;
        CREATE INDEX tickets_resolution_breached ON tickets(sla_resolution_due) WHERE resolution_breached = 1;
        """,
    ),
    (
        6,
        """
        -- Agent tokens expire (agents.token_ttl_days) and can be rotated; older rows count from creation.
        ALTER TABLE agents ADD COLUMN token_issued_at TEXT;
        UPDATE agents SET token_issued_at = created_at;
        """,
    ),
    (
        7,
        """
        -- Retry dedupe is per (channel, customer, message_id): message ids are only unique per
        -- sender, and keyed without the customer one customer's message could be answered with
        -- another's reply and never processed. Rebuilt (SQLite cannot change a primary key) with
        -- the rows kept, each under the customer of its conversation.
        CREATE TABLE processed_messages_v7 (
            channel TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            result TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, customer_id, message_id)
        );
        INSERT INTO processed_messages_v7 (channel, customer_id, message_id, conversation_id, result, created_at)
            SELECT p.channel, COALESCE(c.customer_id, ''), p.message_id, p.conversation_id, p.result, p.created_at
            FROM processed_messages p LEFT JOIN conversations c ON c.id = p.conversation_id;
        DROP TABLE processed_messages;
        ALTER TABLE processed_messages_v7 RENAME TO processed_messages;
        """,
    ),
    (
        14,
        """
        -- close_ticket --resolution: what was done, on the ticket (also an audit event).
        ALTER TABLE tickets ADD COLUMN resolution TEXT;
        """,
    ),
    (
        16,
        """
        -- The KB change feed: every FAQ write appends here in the same transaction, so a running
        -- service applies edits made by the CLI or another worker within a second (no restart).
        CREATE TABLE kb_changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            faq_id TEXT,
            op TEXT NOT NULL CHECK (op IN ('upsert', 'delete', 'reindex')),
            at TEXT NOT NULL
        );
        -- Small KB facts, e.g. the digest of the shipped faq_file last synced.
        CREATE TABLE kb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        30,
        """
        -- Customer data rights (issue 14): the audit trail of exports and erasures. `subject` is the
        -- SHA-256 of the customer id, never the id, so an erased customer leaves no readable trace
        -- while a second erasure can still tell "already erased" from "never known". `detail` holds
        -- counts only.
        CREATE TABLE privacy_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subject TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE INDEX privacy_events_subject ON privacy_events(subject, id);
        CREATE INDEX ratings_customer ON ratings(customer_id);
        CREATE INDEX handoffs_customer ON handoffs(customer_id);
        CREATE INDEX processed_messages_customer ON processed_messages(customer_id);
        """,
    ),
    (
        31,
        """
        -- Retention (issue 14.4): a closed conversation whose text was purged carries the time.
        -- The partial index holds only closed conversations not purged since they last closed
        -- (a re-opened and re-closed one comes back), so each run seeks the due ones and never
        -- rescans what is done. Tickets and ratings by conversation: the purge's (and the
        -- erasure's) scope is a set of conversations.
        ALTER TABLE conversations ADD COLUMN purged_at TEXT;
        CREATE INDEX conversations_purge_due ON conversations(closed_at)
            WHERE state = 'closed' AND (purged_at IS NULL OR purged_at < closed_at);
        CREATE INDEX tickets_conversation ON tickets(conversation_id);
        CREATE INDEX ratings_conversation ON ratings(conversation_id);
        """,
    ),
    (
        32,
        """
        -- Channels (issue 9): what a channel renders beyond the text (buttons, kind, the client's
        -- message id, the agent's name), and the outbox: one row per message meant for a customer,
        -- written with the message, until the delivery service sent it (sent), parked it for the
        -- customer to fetch (held: no live socket, an API customer without a callback) or gave up
        -- (failed: a dead letter operators and the agent see).
        ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id INTEGER NOT NULL REFERENCES messages(id),
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            channel TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'held', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
        CREATE INDEX outbox_status ON outbox(status, id);
        CREATE INDEX outbox_conversation ON outbox(conversation_id, id);
        CREATE INDEX outbox_customer ON outbox(customer_id);
        """,
    ),
    (
        33,
        """
        -- A connector's small durable facts, e.g. Telegram's long-polling offset, so a restart
        -- neither loses nor re-fetches updates the platform already handed over.
        CREATE TABLE channel_state (
            channel TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (channel, key)
        );
        """,
    ),
    (
        34,
        """
        -- Consent for proactive messages (issue 14.5), per customer and channel: every opt-in and
        -- opt-out with its time and source (signup_form, customer_reply, operator, ...); the
        -- newest row of a (customer, channel) is the state. Erased with the customer (the
        -- erasure's counts keep how many there were).
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('opt_in', 'opt_out')),
            source TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX consents_customer ON consents(customer_id, channel, id);
        """,
    ),
)
