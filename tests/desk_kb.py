"""A small KB with greeting, sign-off, a chat variant, typed variables and a shop's order export.

Shared by the suggest-reply, orders, desk and serve tests.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

TRACK = """
id: track-order
questions:
  en:
    - "Where is my order?"
    - "how can I track my parcel"
    - "tracking number please"
  de:
    - "Wo ist meine Bestellung?"
    - "Wie kann ich mein Paket verfolgen?"
  ja:
    - "荷物はどこですか"
    - "注文した商品がまだ届いていません"
variables:
  order_id: {type: string, required: true}
  carrier: {type: string}
  shipped_at: {type: datetime}
tags: [shipping, tracking]
"""

REFUND = """
id: refund-status
questions:
  en:
    - "When will I get my refund?"
    - "my refund has not arrived yet"
    - "status of my refund please"
  de:
    - "Wann bekomme ich meine Erstattung?"
  ja:
    - "返金はいつになりますか"
variables:
  order_id: {type: string, required: true}
  refund_amount: {type: money, required: true}
tags: [returns, refund]
"""

CANCEL = """
id: cancel-order
questions:
  en:
    - "I want to cancel my order"
    - "please cancel the order I placed yesterday"
  de:
    - "Ich möchte meine Bestellung stornieren"
  ja:
    - "注文をキャンセルしたいです"
variables:
  order_id: {type: string, required: true}
  items: {type: list}
tags: [orders, cancellation]
"""

#: Shopify-style: the Admin API's orders response, nested line items and fulfillments.
ORDERS = {
    "orders": [
        {
            "id": 5801000000001,
            "name": "KS-2026-00001",
            "email": "anna.schmidt@example.de",
            "currency": "EUR",
            "total_price": "89.90",
            "shipping_address": {"first_name": "Anna", "last_name": "Schmidt", "name": "Anna Schmidt"},
            "line_items": [
                {"title": "Linen T-shirt", "variant_title": "M", "name": "Linen T-shirt - M", "quantity": 1},
                {"title": "Hinoki board", "variant_title": None, "name": "Hinoki board", "quantity": 1},
            ],
            "fulfillments": [
                {
                    "tracking_company": "Japan Post",
                    "tracking_number": "EJ1JP",
                    "created_at": "2026-11-22T23:30:00+00:00",
                }
            ],
            "refunds": [{"transactions": [{"amount": "89.90", "currency": "EUR"}]}],
        },
        {
            "id": 5801000000002,
            "name": "KS-2026-00002",
            "email": "taro@example.jp",
            "currency": "JPY",
            "total_price": "12800",
            "shipping_address": {"first_name": "太郎", "last_name": "山田", "name": "山田 太郎"},
            "line_items": [{"title": "土鍋", "name": "土鍋", "quantity": 1}],
            "fulfillments": [],
            "refunds": [],
        },
    ]
}

ORDERS_SECTION = """
orders:
  source: exports
  number_pattern: 'KS-\\d{4}-\\d{5}'
  number: name
  currency: currency
  fields:
    order_id: name
    items: line_items.*.name
    carrier: fulfillments.0.tracking_company
    shipped_at: fulfillments.0.created_at
    refund_amount: refunds.0.transactions.0.amount
    customer.name: shipping_address.name
"""

CONFIG = "source_locale: en\nlocales: [en, de, ja]\n"

FILES: dict[str, str] = {
    "kb/track-order.yaml": TRACK,
    "kb/refund-status.yaml": REFUND,
    "kb/cancel-order.yaml": CANCEL,
    "templates/en/_greeting.j2": (
        "{% if customer.name is defined %}Hi {{ customer.name }},{% else %}Hello,{% endif %}\n"
    ),
    "templates/en/_signature.j2": "Kind regards,\nKumo Supply\n",
    "templates/en/track-order.j2": (
        "Your order {{ order_id }} is on its way{% if carrier is defined %} with {{ carrier }}{% endif %}."
        "{% if shipped_at is defined %} It left us on {{ shipped_at | datetime('short') }}.{% endif %}\n"
    ),
    "templates/en/track-order.chat.j2": "Order {{ order_id }}: on its way.\n",
    "templates/de/track-order.j2": "Ihre Bestellung {{ order_id }} ist unterwegs.\n",
    "templates/ja/track-order.j2": "ご注文 {{ order_id }} は配送中です。\n",
    "templates/en/refund-status.j2": "We refunded {{ refund_amount | money }} for order {{ order_id }}.\n",
    "templates/de/refund-status.j2": "Wir haben {{ refund_amount | money }} für {{ order_id }} erstattet.\n",
    "templates/ja/refund-status.j2": "ご注文 {{ order_id }} の {{ refund_amount | money }} を返金しました。\n",
    "templates/en/cancel-order.j2": "Your order {{ order_id }} is cancelled.\n",
}


def files_with_orders() -> dict[str, str]:
    """The KB with its export folder (the replykit.yaml goes through ``config``)."""
    return {**FILES, "exports/orders.json": json.dumps(ORDERS, ensure_ascii=False, indent=2)}


def fake_clipboard(tmp_path: Path) -> tuple[Path, Path]:
    """A folder with an ``xclip`` that writes what it is given to a file: (folder for PATH, that file)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sink = tmp_path / "clipboard.txt"
    tool = bin_dir / "xclip"
    tool.write_text(f"#!/bin/sh\n'{shutil.which('cat')}' > '{sink}'\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return bin_dir, sink
