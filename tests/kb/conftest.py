from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import KnowledgeBaseConfig, Settings, StorageConfig
from bot.kb.faq import FaqEntry
from tests.fakes import InMemoryFaqStore

FAQS = [
    {
        "id": "refund",
        "question": "如何申请退款？",
        "similar_questions": ["怎么退款", "退款流程是什么"],
        "answer": "在订单页点击“申请退款”。",
    },
    {
        "id": "shipping",
        "question": "订单什么时候发货？",
        "similar_questions": ["多久能发货", "下单后几天发出"],
        "answer": "付款后48小时内发货。",
    },
    {
        "id": "password",
        "question": "忘记登录密码怎么办？",
        "similar_questions": ["密码找回"],
        "answer": "在登录页点击“忘记密码”。",
    },
    {
        "id": "invoice",
        "question": "可以开发票吗？",
        "similar_questions": ["怎么开具增值税发票"],
        "answer": "可以，在订单详情申请。",
    },
    {
        "id": "address",
        "question": "怎么修改收货地址？",
        "similar_questions": ["地址填错了能改吗"],
        "answer": "发货前可在订单页修改。",
    },
    {"id": "cancel", "question": "如何取消订单？", "answer": "未发货的订单可直接取消。"},
    {
        "id": "human",
        "question": "怎么联系人工客服？",
        "similar_questions": ["转人工"],
        "answer": "回复“人工”即可。",
    },
    {
        "id": "pay",
        "question": "支持哪些支付方式？",
        "similar_questions": ["可以用信用卡付款吗"],
        "answer": "支持支付宝、微信和银行卡。",
    },
    {"id": "huabei", "question": "花呗怎么还款？", "answer": "在支付宝花呗页面还款。"},
    {
        "id": "en-reset",
        "question": "How do I reset my password?",
        "language": "en",
        "similar_questions": ["I forgot my password"],
        "answer": "Use the 'Forgot password' link.",
    },
    {
        "id": "en-hours",
        "question": "What are your opening hours?",
        "language": "en",
        "answer": "We are open 9:00-18:00.",
    },
]


@pytest.fixture
def faqs() -> list[FaqEntry]:
    return [FaqEntry.model_validate(f) for f in FAQS]


@pytest.fixture
def store(faqs: list[FaqEntry]) -> InMemoryFaqStore:
    return InMemoryFaqStore(faqs)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The shipped defaults: two stages, threshold from bot/config.py.
    return Settings(storage=StorageConfig(data_dir=tmp_path), knowledge_base=KnowledgeBaseConfig())
