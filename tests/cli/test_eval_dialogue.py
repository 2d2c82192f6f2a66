"""`eval dialogue` on the command line: the --json shape, exit 0 whatever the pass rate, and bad
scenario files refused in one line naming the field, exit 2, before any service is built."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from bot.cli import main


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()  # main() points structlog at the captured stderr of this test


@pytest.fixture
def run(config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    def run(scenarios: str, *flags: str) -> tuple[int, str, str]:
        path = tmp_path / "scenarios.yaml"
        path.write_text(scenarios, encoding="utf-8")
        try:
            code = main(["--config", str(config_path), "eval", "dialogue", "--file", str(path), *flags])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


GOOD = """
scenarios:
- name: answered
  tags: [faq]
  turns:
  - say: 怎么退款
    expect: {route: faq, faq: faq_001, no_ticket: true}
- name: expected a form
  turns:
  - say: 怎么退款
    expect: {route: collect, state: collecting}
"""


def test_json_report_shape_and_exit_zero_with_failures(run, config_path: Path) -> None:
    code, out, _ = run(GOOD, "--json")
    assert code == 0  # a measurement: a failing scenario is the result, not an error
    body = json.loads(out)
    assert set(body) == {"file", "kb", "kb_entries", "scenarios", "passed", "failed", "pass_rate", "turns",
                         "by_tag", "seconds", "results"}
    assert (body["scenarios"], body["passed"], body["failed"], body["pass_rate"]) == (2, 1, 1, 0.5)
    assert body["kb"].endswith("faq.json") and body["kb_entries"] == 3
    assert body["turns"] == {"played": 2, "passed": 1}
    assert body["by_tag"] == {"faq": {"passed": 1, "scenarios": 1}}
    ok, failed = body["results"]
    assert ok == {"name": "answered", "tags": ["faq"], "passed": True, "turns_played": 1, "turns_total": 1,
                  "failure": None}
    failure = failed["failure"]
    assert failure["turn"] == 1 and failure["said"] == "怎么退款"
    assert failure["mismatches"] == [
        {"check": "route", "expected": "collect", "actual": "faq"},
        {"check": "state", "expected": "collecting", "actual": "bot"},
    ]
    assert failure["observed"]["faq"] == "faq_001" and failure["observed"]["tickets_opened"] == []
    assert failure["observed"]["replies"][0] == "在订单页点击申请退款。"


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ("scenarios: [name: x\n", "scenarios.yaml:2:1: invalid YAML"),
        ("every_turn: {}\n", "scenarios: Field required"),
        ("scenarios:\n- name: a\n  turns:\n  - say: hi\n    expect: {route: form}\n",
         "scenario 1 'a', turn 1: expect.route: unknown route 'form'; known: faq, llm, collect,"),
        ("scenarios:\n- name: a\n  turns:\n  - say: hi\n    expect: {rout: faq}\n",
         "scenario 1 'a', turn 1: expect.rout: unknown field"),
        ("scenarios:\n- name: a\n  turns:\n  - say: hi\n  - say: hi\n    event: agent_closes\n",
         "scenario 1 'a', turn 2: give exactly one of say, tap or event"),
        ("scenarios:\n- name: a\n  turns:\n  - event: agent_closes\n    expect: {route: faq}\n",
         "scenario 1 'a', turn 1: expect.route: an event is not a customer message"),
        ("scenarios:\n- name: a\n  turns:\n  - say: yes\n",  # YAML reads a bare yes as true
         "scenario 1 'a', turn 1: say: Input should be a valid string"),
        ("scenarios:\n- name: a\n  setup: {customer: {email: nope}}\n  turns:\n  - say: hi\n",
         "scenario 1 'a': setup.customer.email: not a valid e-mail address"),
        ("scenarios:\n- name: a\n  turns:\n  - say: hi\n- name: a\n  turns:\n  - say: hi\n",
         "two scenarios are named 'a'"),
        ("scenarios:\n- name: a\n  turns:\n  - say: hi\n    expect: {faq: faq_999}\n",
         "scenario 1 'a', turn 1: expect.faq: no FAQ 'faq_999' in"),
        ("kb: missing.json\nscenarios:\n- name: a\n  turns:\n  - say: hi\n", "kb: "),
    ],
)
def test_a_bad_scenario_file_is_one_line_naming_the_field_exit_2(run, config_path: Path, scenarios: str,
                                                                   message: str) -> None:
    code, out, err = run(scenarios)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert "more problem" not in err  # one problem each: no echoes of it (a list left too short)
    assert not (config_path.parent.parent / "data").exists()  # nothing built, nothing written


def test_a_missing_file_is_exit_2(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config_path), "eval", "dialogue", "--file", "nope.yaml"]) == 2
    assert "--file: no such file: nope.yaml" in capsys.readouterr().err
