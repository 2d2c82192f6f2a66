"""Query and path parameters are read by the rule their OpenAPI entry states, and say which one is wrong."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.api.errors import ApiError
from bot.api.params import IntQuery, PathId, StrQuery, choices_pattern

PAGE = IntQuery("page", 1, 1, 1000)


def _read(param: IntQuery | StrQuery, query: str) -> object:
    return param.read(make_mocked_request("GET", f"/x?{query}"))


@pytest.mark.parametrize(("query", "value"), [("", 1), ("page=7", 7), ("page=1000", 1000), ("page=007", 7),
                                              ("other=3", 1)])
def test_integers_that_are_read(query: str, value: int) -> None:
    assert _read(PAGE, query) == value


@pytest.mark.parametrize("query", ["page=", "page=1&page=2", "page=0", "page=1001", "page=+5", "page=%205",
                                   "page=1_0", "page=%D9%A5", "page=1.0", "page=two", "page=-0x1",
                                   "page=" + "9" * 5000])
def test_integers_that_are_refused_name_the_parameter(query: str) -> None:
    with pytest.raises(ApiError) as err:
        _read(PAGE, query)
    assert err.value.status == 400 and err.value.field == "page" and err.value.message.startswith("page: ")


def test_a_string_given_twice_is_refused() -> None:
    with pytest.raises(ApiError) as err:
        _read(StrQuery("q"), "q=a&q=b")
    assert err.value.field == "q" and "once" in err.value.message


def test_choice_lists() -> None:
    status = StrQuery("status", pattern=choices_pattern(("open", "closed")), rule="must be open or closed")
    assert _read(status, "status=open,closed") == "open,closed"
    for bad in ("status=", "status=open,", "status=open,%20closed", "status=pending", "status=open%0A"):
        with pytest.raises(ApiError):
            _read(status, bad)


def test_the_spec_states_the_limits_read_applies() -> None:
    assert PAGE.spec()["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    path = PathId("customer_id")
    assert path.spec()["schema"]["pattern"] == path.pattern
    request = make_mocked_request("GET", "/x", match_info={"customer_id": "a\u200bb"})
    with pytest.raises(ApiError) as err:
        path.read(request)
    assert err.value.field == "customer_id"
