"""The insight report as one self-contained HTML page: inline CSS and inline SVG charts, no
script, no fonts, images or anything else fetched (its Content-Security-Policy forbids it), so
it opens offline and can be mailed as a file. Every text from the data is HTML-escaped.
Renders the dict of InsightReport.as_dict() (bot/reports/insight.py says what each figure means).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

NOW, BEFORE = "#2f6fdf", "#c5d3ee"
SENTIMENT = (("negative", "#d9534f"), ("neutral", "#b8b8b8"), ("positive", "#4caf50"), ("unscored", "#ececec"))
LABEL_W, BAR_W, ROW_H = 190, 420, 22
ROWS = 15  # bars per chart (the JSON has every row)


def _e(value: Any) -> str:
    return escape("–" if value is None else str(value))


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else _e(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _change(pct: float | None, change: Any = None) -> str:
    if pct is None:
        return '<span class="new">new</span>' if change else "–"
    cls = "up" if pct > 0 else "down" if pct < 0 else ""
    return f'<span class="{cls}">{"+" if pct > 0 else ""}{pct:.1f}%</span>'


def _label(key: Any) -> str:
    return "(none)" if key is None or key == "" else str(key)


def bar_chart(title: str, rows: Iterable[tuple[Any, float, float | None]]) -> str:
    """Horizontal bars: this period (dark) and, when given, the previous one (light) under it."""
    items = list(rows)[:ROWS]
    if not items:
        return f'<figure><figcaption>{_e(title)}</figcaption><p class="empty">nothing in this period</p></figure>'
    top = max(max(v, p or 0) for _, v, p in items) or 1
    paired = any(p is not None for _, _, p in items)
    h = ROW_H + (8 if paired else 0)
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{LABEL_W + BAR_W + 90}" '
             f'height="{len(items) * h + 8}" xmlns="http://www.w3.org/2000/svg">']
    for i, (key, value, prev) in enumerate(items):
        y = i * h + 4
        text = _label(key)
        short = text if len(text) <= 24 else text[:23] + "…"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end"><title>{_e(text)}</title>'
                     f"{_e(short)}</text>")
        width = max(1.0, BAR_W * value / top) if value else 0
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="14" fill="{NOW}"/>')
        if prev is not None:
            pw = max(1.0, BAR_W * prev / top) if prev else 0
            parts.append(f'<rect x="{LABEL_W}" y="{y + 15}" width="{pw:.1f}" height="6" fill="{BEFORE}"/>')
        parts.append(f'<text x="{LABEL_W + width + 6:.1f}" y="{y + 12}">{_num(value)}</text>')
    parts.append("</svg>")
    legend = (f'<span class="key" style="background:{NOW}"></span> this period '
              f'<span class="key" style="background:{BEFORE}"></span> previous') if paired else ""
    return f'<figure><figcaption>{_e(title)} <small>{legend}</small></figcaption>{"".join(parts)}</figure>'


def stacked_chart(title: str, rows: list[dict[str, Any]]) -> str:
    """Sentiment shares per row, as one 100% bar each."""
    items = [r for r in rows if r["turns"]][:ROWS]
    if not items:
        return f'<figure><figcaption>{_e(title)}</figcaption><p class="empty">no customer turns</p></figure>'
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{LABEL_W + BAR_W + 20}" '
             f'height="{len(items) * ROW_H + 8}" xmlns="http://www.w3.org/2000/svg">']
    for i, r in enumerate(items):
        y = i * ROW_H + 4
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end">{_e(_label(r["key"])[:24])}</text>')
        x = float(LABEL_W)
        for name, colour in SENTIMENT:
            w = BAR_W * r[name] / r["turns"]
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="14" fill="{colour}">'
                             f'<title>{name}: {r[name]:,}</title></rect>')
                x += w
    parts.append("</svg>")
    legend = " ".join(f'<span class="key" style="background:{c}"></span> {n}' for n, c in SENTIMENT)
    return f'<figure><figcaption>{_e(title)} <small>{legend}</small></figcaption>{"".join(parts)}</figure>'


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _examples(items: list[str]) -> str:
    return "<ul class='ex'>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>" if items else "–"


def _moves(title: str, rows: list[dict[str, Any]]) -> str:
    chart = bar_chart(title, [(r["key"], r["count"], r["previous"]) for r in rows])
    table = _table(["", "count", "share", "previous", "change"],
                   [[_e(_label(r["key"])), _num(r["count"]), _pct(r["share_pct"]), _num(r["previous"]),
                     _change(r["change_pct"], r["count"])] for r in rows[:ROWS]])
    return f'<div class="pair">{chart}{table}</div>'


def _csat_cell(c: dict[str, Any]) -> str:
    return "–" if not c["count"] else f'{c["average"]:.2f} ({c["count"]:,}, {_pct(c["satisfied_pct"])} 4-5★)'


def _sentiment_table(rows: list[dict[str, Any]]) -> str:
    return _table(["", "turns", "negative", "neutral", "positive", "negative %", "CSAT"],
                  [[_e(_label(r["key"])), _num(r["turns"]), _num(r["negative"]), _num(r["neutral"]),
                    _num(r["positive"]), _pct(r["negative_pct"]), _csat_cell(r["csat"])] for r in rows[:ROWS]])


CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 24px auto; max-width: 1120px; color: #1d2330; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #dde;
       padding-bottom: 4px; } h3 { font-size: 14px; margin: 18px 0 6px; }
.meta, small { color: #667; } .empty { color: #889; font-style: italic; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; } .card { border: 1px solid #dde; border-radius: 6px;
       padding: 8px 14px; min-width: 150px; } .card b { display: block; font-size: 20px; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { border-bottom: 1px solid #eef; padding: 3px 8px;
       text-align: right; vertical-align: top; } th:first-child, td:first-child { text-align: left; }
td ul.ex { margin: 0; padding-left: 16px; text-align: left; color: #445; }
figure { margin: 8px 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg text { font-size: 12px; fill: #334; } .key { display: inline-block; width: 10px; height: 10px; }
.up { color: #b03a2e; } .down { color: #1e7b34; } .new { color: #7a4fbf; }
.pair { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
"""


def _cards(t: dict[str, Any]) -> str:
    cards = []
    for name, label in (("conversations", "Conversations"), ("tickets", "Tickets"),
                        ("customer_turns", "Customer turns"), ("unanswered_turns", "Unanswered turns"),
                        ("csat_average", "CSAT average")):
        x = t[name]
        cards.append(f'<div class="card">{_e(label)}<b>{_num(x["count"])}</b><small>previous {_num(x["previous"])} · '
                     f'{_change(x["change_pct"], x["count"])}</small></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def _head(doc: dict[str, Any]) -> str:
    prev = doc["previous"]
    return (f'<h1>客户洞察报告 · Customer insight report</h1><p class="meta">{doc["days"]} days: '
            f'{_e(doc["start"][:16])} – {_e(doc["end"][:16])} UTC, compared with {_e(prev["start"][:16])} – '
            f'{_e(prev["end"][:16])}. Generated {_e(doc["generated_at"])}. Customer ids, phone numbers and e-mails '
            "are masked.</p>")


def _unanswered(un: dict[str, Any]) -> list[str]:
    clusters = un["clusters"]
    rows = [[_num(c["count"]), _e(", ".join(c["keywords"]) or "–"), _examples(c["examples"])] for c in clusters]
    return [
        "<h2>Unanswered questions</h2>",
        f'<p>{_num(un["turns"])} unanswered turns ({_pct(un["share_of_turns_pct"])} of customer turns; previous '
        f'{_num(un["previous"])}, {_change(un["change_pct"], un["turns"])}). The newest {_num(un["texts_clustered"])} '
        f'texts grouped into clusters; {_num(un["other"])} in none shown.</p>',
        bar_chart("Unanswered-question clusters",
                  [(", ".join(c["keywords"][:2]) or c["examples"][0], c["count"], None) for c in clusters]),
        _table(["count", "words", "examples (masked)"], rows) if clusters else "",
    ]


def _sentiment(sc: dict[str, Any]) -> list[str]:
    return [
        "<h2>Sentiment and CSAT</h2>",
        stacked_chart("Sentiment by contact reason", sc["by_reason"]), _sentiment_table(sc["by_reason"]),
        stacked_chart("Sentiment by channel", sc["by_channel"]), _sentiment_table(sc["by_channel"]),
        bar_chart("CSAT average by ticket type",
                  [(r["key"], r["average"] or 0, None) for r in sc["csat_by_ticket_type"]]),
    ]


def _repeats(rc: dict[str, Any]) -> list[str]:
    rows = [[_e(x["customer"]), _num(x["conversations"]), _num(x["repeats"]),
             _e(", ".join(f'{_label(r["key"])} ({r["count"]})' for r in x["reasons"]) or "–"),
             _examples(x["examples"])] for x in rc["top"]]
    return [
        "<h2>Repeat contacts</h2>",
        f'<p>{_num(rc["repeat_customers"])} of {_num(rc["customers"])} customers ({_pct(rc["repeat_customers_pct"])}) '
        f'wrote again within {rc["within_days"]} days: {_num(rc["repeat_conversations"])} repeat conversations.</p>',
        _table(["customer", "conversations", "repeats", "reasons", "first words (masked)"], rows) if rows else "",
    ]


def _tickets(tk: dict[str, Any]) -> list[str]:
    rows = [[_e(x["customer"]), _num(x["tickets"]), _pct(x["share_pct"]),
             _e(", ".join(f'{t["key"]} ({t["count"]})' for t in x["types"])), _e(", ".join(x["tags"]) or "–"),
             _examples(x["examples"])] for x in tk["top_customers"]]
    tags = (bar_chart("Customer tags behind tickets", [(x["tag"], x["tickets"], None) for x in tk["customer_tags"]])
            + bar_chart("Ticket tags", [(x["tag"], x["tickets"], None) for x in tk["ticket_tags"]]))
    return [
        "<h2>Customers and tags behind the tickets</h2>",
        f'<p>{_num(tk["created"])} tickets created.</p>',
        bar_chart("Tickets per customer", [(x["customer"], x["tickets"], None) for x in tk["top_customers"]]),
        _table(["customer", "tickets", "share", "types", "tags", "titles (masked)"], rows) if rows else "",
        f'<div class="pair">{tags}</div>',
    ]


def render_insight_html(doc: dict[str, Any]) -> str:
    reasons = doc["reasons"]
    sections = [
        _head(doc), _cards(doc["totals"]),
        "<h2>Top contact reasons</h2>",
        _moves("Intents of customer turns", reasons["intents"]),
        _moves("Ticket types", reasons["ticket_types"]),
        _moves("FAQ categories answered", reasons["faq_categories"]),
        *_unanswered(doc["unanswered"]), *_sentiment(doc["sentiment_csat"]),
        *_repeats(doc["repeat_contacts"]), *_tickets(doc["tickets"]),
    ]
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return ('<!doctype html>\n<html lang="zh"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Customer insight report · {doc['days']} days</title><style>{CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")
