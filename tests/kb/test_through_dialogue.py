"""`eval faq --through-dialogue`: a right answer is a `faq` turn with the expected entry."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.kb.faq import FaqEntry
from bot.kb.training.through_dialogue import evaluate_through_dialogue, throwaway_settings


async def test_queries_go_through_the_whole_pipeline(settings: Settings, faqs: list[FaqEntry]) -> None:
    queries = [
        ("如何申请退款", "refund"),  # exact question: the FAQ answers
        ("忘记登录密码怎么办？", "password"),
        ("给我讲个笑话", None),  # out of scope: declined
        ("今天天气怎么样", None),
        ("我要退款 订单号 12345678", "refund"),  # a request to act: the form, not the answer
    ]
    report = await evaluate_through_dialogue(faqs, queries, settings=settings)
    assert (report.in_scope, report.out_of_scope) == (3, 2)
    assert report.right == 2 / 3 and report.oos_declined == 1.0 and report.precision == 1.0
    assert report.routes["faq"] == 2
    # What went wrong is listed for the operator, with what the KB alone would have answered.
    [miss] = report.misses
    assert (miss["route"], miss["faq"], miss["kb_top"]) == ("collect", None, "refund")
    assert report.e5_alone is not None and 0.0 <= report.e5_alone["top1"] <= 1.0
    assert "right answers 66.7%" in report.render_text()
    # The throw-away service left nothing in the configured data directory.
    assert not (settings.data_dir / "bot.sqlite3").exists()


def test_made_up_customers_never_reach_the_operators_order_hook(settings: Settings, tmp_path: Path) -> None:
    hook = settings.integrations.order_lookup.model_copy(update={"url": "http://127.0.0.1:9/orders", "token": "t"})
    hooked = settings.model_copy(update={"integrations": settings.integrations.model_copy(
        update={"order_lookup": hook})})
    quiet = throwaway_settings(hooked, tmp_path).integrations.order_lookup
    assert (quiet.url, quiet.token) == (None, None)


def test_a_suggestion_counts_only_when_the_bot_offered_it_not_the_common_questions() -> None:
    from bot.kb.training.through_dialogue import _first_button

    button = {"label": "如何申请退款？", "value": "如何申请退款？"}
    suggested = {"replies": [{"type": "text", "text": "抱歉…"},
                             {"type": "buttons", "text": "您是不是想问：", "buttons": [button]}]}
    common = {"replies": [{"type": "text", "text": "抱歉…"},
                          {"type": "buttons", "text": "您可以试试这些常见问题：", "buttons": [button]}]}
    assert _first_button(suggested) == "如何申请退款？"
    assert _first_button(common) is None and _first_button({"replies": []}) is None
