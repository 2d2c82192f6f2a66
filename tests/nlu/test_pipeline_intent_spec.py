from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.intent_spec import IntentSpecError, load_intents

GOOD = """\
intents:
  - name: refund_request
    action: flow
    ticket_type: 退款
    examples:
      zh: [我要退款, 退款]
    slots:
      - name: order_id
        prompt: {zh: 请提供订单号}
        pattern: '^\\d{6,24}$'
  - name: greeting
    action: smalltalk
    examples:
      en: [hello, hi]
"""


def _folder(tmp_path: Path, text: str, name: str = "a.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(IntentSpecError) as exc:
        load_intents(_folder(tmp_path, text))
    return str(exc.value)


def test_good_file_loads(tmp_path: Path) -> None:
    catalog = load_intents(_folder(tmp_path, GOOD))
    assert catalog.names() == ("refund_request", "greeting")
    assert catalog.training_data()[1] == ["refund_request", "refund_request", "greeting", "greeting"]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("zh: [我要退款, 退款]", "zh: [我要退款, 退款"))
    assert "a.yaml:" in msg and "invalid YAML" in msg
    line = int(msg.split("a.yaml:")[1].split(":")[0])
    assert 6 <= line <= 9


def test_unknown_key_points_at_its_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("    ticket_type: 退款\n", "    ticket_type: 退款\n    tiket: x\n"))
    assert "a.yaml:5:" in msg and "intents[0].tiket: unknown key" in msg


def test_bad_action_points_at_its_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("action: smalltalk", "action: chat"))
    assert "a.yaml:12:" in msg and "intents[1].action" in msg


def test_bad_regex_points_at_slot(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("'^\\d{6,24}$'", "'^(\\d+$'"))
    assert "a.yaml:10:" in msg and "slots[0].pattern" in msg and "invalid regex" in msg


def test_flow_without_slots_is_rejected(tmp_path: Path) -> None:
    text = GOOD.split("    slots:")[0] + GOOD.split("pattern: '^\\d{6,24}$'\n")[1]
    msg = _error(tmp_path, text)
    assert "a.yaml:2:" in msg and "needs at least one slot" in msg


def test_non_string_example_is_rejected(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("en: [hello, hi]", "en: [hello, 88]"))
    assert "a.yaml:14:" in msg and "examples.en[1]" in msg


def test_duplicate_key_and_duplicate_intent(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("    action: smalltalk\n", "    action: smalltalk\n    action: faq\n"))
    assert "a.yaml:13:" in msg and "duplicate key 'action'" in msg
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.split("  - name: greeting")[0].replace("refund_request", "x") +
                                     "  - name: greeting\n    action: smalltalk\n    examples: {en: [hey]}\n",
                                     encoding="utf-8")
    with pytest.raises(IntentSpecError, match=r"b\.yaml:11: intent 'greeting' is already defined in .*a\.yaml"):
        load_intents(tmp_path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert "a.yaml:1:" in _error(tmp_path, "- just\n- a list\n")


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(IntentSpecError, match="no intent files"):
        load_intents(tmp_path)


def test_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(GOOD.encode("utf-8").replace("退款]".encode(), b"\xcd\xcb\xbf\xee]", 1))
    with pytest.raises(IntentSpecError, match=r"a\.yaml:6: not UTF-8"):
        load_intents(tmp_path)


def test_tab_indentation_names_the_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("    action: smalltalk", "\taction: smalltalk"))
    assert "a.yaml:12:" in msg and "invalid YAML" in msg


def test_flow_slot_without_prompt_points_at_the_slot(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("        prompt: {zh: 请提供订单号}\n", ""))
    assert "a.yaml:8:" in msg and "slots[0].prompt: Field required" in msg


def test_ticket_type_label_names_the_type_per_language(tmp_path: Path) -> None:
    label = "    ticket_type_label: {zh: 退款, en: refund}\n"
    text = GOOD.replace("    ticket_type: 退款\n", f"    ticket_type: 退款\n{label}")
    spec = load_intents(_folder(tmp_path, text)).get("refund_request")
    assert spec is not None and spec.ticket_type == "退款" and spec.ticket_type_label == {"zh": "退款", "en": "refund"}


def test_ticket_type_label_needs_a_ticket_type_and_language_codes(tmp_path: Path) -> None:
    no_type = GOOD.replace("    ticket_type: 退款\n", "    ticket_type_label: {en: refund}\n")
    assert "ticket_type_label needs a ticket_type" in _error(tmp_path, no_type)
    label = "    ticket_type_label: {English: refund}\n"
    bad_lang = GOOD.replace("    ticket_type: 退款\n", f"    ticket_type: 退款\n{label}")
    assert "not a language code" in _error(tmp_path, bad_lang)


def test_shipped_flows_name_their_ticket_type_in_english() -> None:
    from bot.config import REPO_ROOT

    catalog = load_intents(REPO_ROOT / "intents")
    for spec in catalog.intents:
        if spec.action == "flow" and spec.ticket_type:
            assert spec.ticket_type_label.get("en"), spec.name


def test_lookup_is_for_a_flow_with_an_order_id_and_no_ticket(tmp_path: Path) -> None:
    lookup = GOOD.replace("    ticket_type: 退款\n", "    lookup: order\n")
    spec = load_intents(_folder(tmp_path, lookup)).get("refund_request")
    assert spec is not None and spec.lookup == "order" and spec.ticket_type is None
    both = GOOD.replace("    ticket_type: 退款\n", "    ticket_type: 退款\n    lookup: order\n")
    assert "lookup is for a flow with an order_id slot and no ticket_type" in _error(tmp_path, both)
    no_order = lookup.replace("      - name: order_id\n", "      - name: reference\n")
    assert "lookup is for a flow with an order_id slot" in _error(tmp_path, no_order)
    assert "lookup" in _error(tmp_path, GOOD.replace("    ticket_type: 退款\n", "    lookup: invoice\n"))
