"""``wire.Node``: the fast readers (``node.text("city")``, ``node.at("a", "b")``) answer exactly as the
general path (``node["city"].text()``), value for value and error for error (B11, issue 3).

The mapper reads every field through the fast readers; the general path is the one whose checks and
error places (``orderItems[1].product.price.unitPrice.amount``) the other contract tests pin.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sellerbridge.amazon.wire import MappingError, Node
from sellerbridge.domain.common.money import Money

KEY = "k"
leaves = (st.none() | st.booleans() | st.integers(-3, 2_000_000) | st.floats(allow_nan=True) | st.text(max_size=8)
          | st.sampled_from(["", "  ", " x ", "19.99", " -5.00 ", "1e3", "7,10", "2026-01-31T10:00:00Z",
                             " 2026-01-31 10:00:00+02:00 ", "2026-13-45T99:99:99Z", "USD", " eur ", "EURO", "US$"]))
amounts = st.sampled_from(["19.99", " -5.00 ", "0", "7,10", "1e3", "", "１２", "1234567890123456", 7, 7.5, True, None])
codes = st.sampled_from(["USD", " eur ", "usd", "EURO", "US$", "ÜSD", "", "  ", 840, None])
money_like = (st.fixed_dictionaries({"amount": amounts, "currencyCode": codes})
              | st.fixed_dictionaries({}, optional={"amount": amounts, "currencyCode": codes, "Amount": amounts,
                                                    "CurrencyCode": codes}))
values = st.recursive(leaves | money_like, lambda children: st.lists(children, max_size=2)
                      | st.dictionaries(st.sampled_from([KEY, "x", "amount"]), children, max_size=2), max_leaves=5)
parents = st.one_of(st.just(None), values, st.dictionaries(st.just(KEY), values, max_size=1),
                    st.fixed_dictionaries({KEY: leaves | money_like}))


def outcome(read):
    try:
        return "value", read()
    except MappingError as exc:
        return "error", (exc.code, exc.where, exc.message)


def node(value):
    return Node({"order": value})["order"]  # a place with a name, as in a payload


READERS = {
    "text": lambda n, k: n.text(k) if k else n.text(),
    "text required": lambda n, k: n.text(k, required=True) if k else n.text(required=True),
    "req_text": lambda n, k: n.req_text(k) if k else n.req_text(),
    "integer": lambda n, k: n.integer(k, default=7) if k else n.integer(default=7),
    "integer required": lambda n, k: n.integer(k, required=True) if k else n.integer(required=True),
    "moment": lambda n, k: n.moment(k) if k else n.moment(),
    "req_moment": lambda n, k: n.req_moment(k) if k else n.req_moment(),
    "money": lambda n, k: n.money(k) if k else n.money(),
    "req_money": lambda n, k: n.req_money(k) if k else n.req_money(),
}


@settings(max_examples=600)
@given(parent=parents, reader=st.sampled_from(sorted(READERS)))
def test_b11_a_reader_given_the_key_answers_as_the_reader_of_the_child(parent, reader):
    read = READERS[reader]
    fast = outcome(lambda: read(node(parent), KEY))
    general = outcome(lambda: read(node(parent)[KEY], None))
    assert fast == general


@settings(max_examples=400)
@given(money=money_like, required=st.booleans())
def test_b11_money_given_the_key_answers_as_the_checked_general_path(money, required):
    fast = outcome(lambda: node({KEY: money}).money(KEY, required=required))
    general = outcome(lambda: node({KEY: money})[KEY].money(required=required))
    assert fast == general


@settings(max_examples=300)
@given(value=st.dictionaries(st.sampled_from(["a", "b"]), values | st.dictionaries(st.just("b"), values), max_size=2))
def test_b11_at_walks_as_the_chain_of_children_and_fails_at_the_same_place(value):
    def chain():
        child = node(value)["a"]["b"]
        return child.value, child.where, child.text() if isinstance(child.value, str) else None

    def walked():
        child = node(value).at("a", "b")
        return child.value, child.where, child.text() if isinstance(child.value, str) else None

    assert outcome(walked) == outcome(chain)


def test_b11_plain_money_is_read_as_money_of_would_read_it():
    assert Node({"p": {"amount": " 19.90 ", "currencyCode": " usd "}}).money("p") == Money(Decimal("19.90"), "USD")
    assert Node({"amount": "-5.00", "currencyCode": "EUR"}).money() == Money(Decimal("-5.00"), "EUR")
    with_int = Node({"p": {"amount": 7, "currencyCode": "JPY"}})
    assert with_int.money("p") == Money(Decimal(7), "JPY")  # not the plain form: the general path reads it


def test_b11_a_broken_field_read_by_key_names_its_place():
    payload = Node({"orderItems": [{"product": {"price": {"unitPrice": {"amount": "7,10", "currencyCode": "USD"}}}}]})
    item = next(payload["orderItems"].items())
    try:
        item.at("product", "price").money("unitPrice")
    except MappingError as exc:
        assert (exc.code, exc.where) == ("bad_amount", "orderItems[0].product.price.unitPrice.amount")
    else:
        raise AssertionError("a bad amount was read")
