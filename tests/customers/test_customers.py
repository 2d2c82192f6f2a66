"""Customer profiles: validation naming the field, partial upserts, computed figures, masking."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import AgentsConfig
from bot.csat.model import Rating
from bot.customers.service import CustomerService, CustomerUpdate, mask_email, mask_phone, tag_keys
from bot.store import Store
from tests.conftest import SEED_PROFILE


@pytest.fixture
def customers(store: Store) -> CustomerService:
    return CustomerService(store)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "123"}, "phone"),
        ({"total_orders": -1}, "total_orders"),
        ({"total_orders": 1.5}, "total_orders"),
        ({"total_orders": "3"}, "total_orders"),
        ({"total_spent": -0.01}, "total_spent"),
        ({"last_purchase": "31/05/2024"}, "last_purchase"),
        ({"last_purchase": "2999-01-01"}, "last_purchase"),
        ({"tags": ["x" * 33]}, "tags"),
        ({"tags": "vip"}, "tags"),
        ({"name": "x" * 101}, "name"),
        ({"vip": True}, "vip"),
    ],
)
def test_invalid_fields_are_named(body: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        CustomerUpdate.model_validate(body)
    assert err.value.errors()[0]["loc"][0] == field


async def test_upsert_creates_then_updates_only_given_fields(customers: CustomerService) -> None:
    created, is_new = await customers.upsert("c1", CustomerUpdate(
        name="张三", email="zhang@example.com", phone="13812345678", tags=["vip", "vip", "老客户"],
        total_orders=3, total_spent=299.5, last_purchase="2024-05-01",
    ))
    assert is_new and created.tags == ("vip", "老客户") and created.total_spent == 299.5
    updated, is_new = await customers.upsert("c1", CustomerUpdate.model_validate({"total_orders": 4}))
    assert not is_new
    assert updated.total_orders == 4 and updated.name == "张三" and updated.email == "zhang@example.com"
    cleared, _ = await customers.upsert("c1", CustomerUpdate.model_validate({"email": None, "tags": []}))
    assert cleared.email is None and cleared.tags == () and cleared.phone == "13812345678"
    assert await customers.tags("c1") == ()


async def test_first_contact_creates_the_profile(store: Store, customers: CustomerService) -> None:
    await store.conversations.create("wx-openid-1", "wechat", "zh")
    profile = await customers.get("wx-openid-1")
    assert profile is not None and profile.first_channel == "wechat" and profile.total_orders == 0


async def test_tickets_count_and_satisfaction_are_computed(store: Store, customers: CustomerService) -> None:
    conv = await store.conversations.create("c2", "web", "zh")
    now = "2024-05-01T00:00:00+00:00"
    for i in range(2):
        await store.db.execute(
            "INSERT INTO tickets (id, customer_id, title, created_at, updated_at) VALUES (?, 'c2', 't', ?, ?)",
            (f"TK-{i}", now, now),
        )
    await store.ratings.add(Rating(score=5, conversation_id=conv.id, customer_id="c2"))
    await store.ratings.add(Rating(score=2, conversation_id=conv.id, customer_id="c2"))
    profile = await customers.get("c2")
    assert profile is not None and profile.tickets_count == 2 and profile.satisfaction_score == 3.5


async def test_summary_masks_phone_and_email_unless_asked(customers: CustomerService) -> None:
    await customers.upsert("c3", CustomerUpdate(name="Ann", email="ann@example.com", phone="138-1234-5678"))
    masked = await customers.summary("c3")
    assert masked is not None
    assert masked["phone"] == "138****5678" and masked["email"] == "a***@example.com" and masked["masked"]
    full = await customers.summary("c3", masked=False)
    assert full is not None and full["phone"] == "138-1234-5678" and full["email"] == "ann@example.com"
    assert await customers.summary("nobody") is None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("+86 138 1234 5678", "+86****5678"), ("12345", "***45"), (None, None)],
)
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_mask_email() -> None:
    assert mask_email("alice.w@example.com") == "a***@example.com"
    assert mask_email(None) is None


async def test_tags_keep_the_operators_spelling_and_deduplicate_by_case(store: Store,
                                                                      customers: CustomerService) -> None:
    profile, _ = await customers.upsert("c4", CustomerUpdate(tags=["VIP", " vip ", "Wholesale", "退款"]))
    assert profile.tags == ("VIP", "Wholesale", "退款")
    with pytest.raises(ValidationError):
        CustomerUpdate(tags=["   "])
    # a row written before tags were normalised is deduplicated on read, spelling kept
    await store.db.execute("UPDATE customers SET tags = ? WHERE id = 'c4'", ('["Vip", "vip", " Gold "]',))
    assert await customers.tags("c4") == ("Vip", "Gold")
    assert tag_keys(await customers.tags("c4")) == {"vip", "gold"}


def test_config_priority_tags_are_lowercased() -> None:
    assert AgentsConfig(priority_tags=[" VIP ", "vip", "Gold"]).priority_tags == ["vip", "gold"]




async def test_the_seed_profile_loads_and_derived_fields_are_computed(customers: CustomerService) -> None:
    profile, created = await customers.upsert("C001", CustomerUpdate.model_validate(SEED_PROFILE))
    assert created and profile.tags == ("VIP", "高价值客户") and profile.total_spent == 15000.0
    out = profile.as_dict()
    assert out["customer_id"] == out["id"] == "C001"
    assert out["tickets_count"] == 0 and out["satisfaction_score"] is None  # computed, not the input's 3 / 4.5


async def test_a_body_naming_another_customer_is_refused(customers: CustomerService) -> None:
    with pytest.raises(ValueError, match="customer_id"):
        await customers.upsert("C002", CustomerUpdate.model_validate(SEED_PROFILE))
    assert await customers.get("C002") is None
