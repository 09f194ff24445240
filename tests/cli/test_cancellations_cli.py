"""``sellerbridge cancellations line|list`` (B9, I1): queue lines, refusals with reasons and exit 2."""

from __future__ import annotations

import json

from tests.support.confirmations import hub_lines, prepare_order


def test_b9_cli_queues_a_line_and_lists_it(cli, world):
    order_id = prepare_order(world, [2, 1])
    _, second = hub_lines(world, order_id)
    result = cli("cancellations", "line", order_id, f"{second.order_item_id}:1", "--reason", "NoInventory")
    assert result.exit_code == 0, result.output
    assert f"queued {order_id} item {second.order_item_id} x1 (NoInventory)" in result.output
    listed = cli("cancellations", "list", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["order_item_id"], row["status"], row["requested_by"]) == (second.order_item_id, "queued", "cli")


def test_b9_cli_refuses_a_wrong_quantity_and_a_malformed_line_with_exit_2(cli, world):
    order_id = prepare_order(world, [2])
    [line] = hub_lines(world, order_id)
    wrong = cli("cancellations", "line", order_id, f"{line.order_item_id}:1")
    assert wrong.exit_code == 2 and "open quantity (2)" in wrong.output
    malformed = cli("cancellations", "line", order_id, "no-quantity")
    assert malformed.exit_code == 2 and "ORDER_ITEM_ID:QUANTITY" in malformed.output
    unknown = cli("cancellations", "line", "111-0000000-0000000", "1:1")
    assert unknown.exit_code == 3
    assert world.rows("SELECT * FROM line_cancellations") == []
