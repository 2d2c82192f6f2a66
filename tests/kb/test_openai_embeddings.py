"""The configured alternative embedder: an OpenAI-compatible /v1/embeddings endpoint (here the
local fake on 127.0.0.1, through the real openai SDK), used for indexing and for every query."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.config import load_settings
from tests.conftest import auth, write_project
from tests.openai_fake.server import FakeOpenAI


async def test_faqs_are_indexed_and_matched_through_the_embeddings_endpoint(
    tmp_path: Path, openai_server: FakeOpenAI
) -> None:
    embedding = {"provider": "openai", "model": "bge-m3", "base_url": openai_server.url, "api_key": "sk-test"}
    settings = load_settings(write_project(tmp_path, {"knowledge_base": {"embedding": embedding}}), env={})
    async with TestClient(TestServer(create_app(settings))) as client:
        indexed = [r for r in openai_server.requests if r.path.endswith("/embeddings")]
        assert indexed, "the FAQ file was embedded by the endpoint at start"
        resp = await client.post("/api/message", headers=auth(),
                                 json={"channel": "api", "customer_id": "c-emb", "message": "多久可以发货？"})
        body = await resp.json()
        assert body["route"] == "faq" and body["faq"]["id"] == "faq_002", body
        queried = [r for r in openai_server.requests if r.path.endswith("/embeddings")]
        assert len(queried) > len(indexed)  # the query itself was embedded by the endpoint
        assert all(r.body and r.body.get("model") == "bge-m3" for r in queried)
