"""A Chinese question typed with a homophone ("退宽" for 退款) is answered from the KB (bot/kb/typos.py)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import auth


async def test_a_typo_question_gets_the_answer_through_the_api(client: TestClient) -> None:
    for message, faq_id in (("退宽怎么弄", "faq_001"), ("发漂怎么开", "faq_003")):
        resp = await client.post("/api/message", headers=auth(),
                                 json={"channel": "api", "customer_id": f"typo-{faq_id}", "message": message})
        body = await resp.json()
        assert body["route"] == "faq" and body["faq"]["id"] == faq_id, body
