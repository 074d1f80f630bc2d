"""A small three-locale KB shared by the suggest, matching and langid tests."""

from __future__ import annotations

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
    - "Danke, wann kommt das Geld zurück?"
  ja:
    - "返金はいつになりますか"
tags: [returns]
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
tags: [orders]
"""

FILES = {
    "kb/track-order.yaml": TRACK,
    "kb/refund-status.yaml": REFUND,
    "kb/cancel-order.yaml": CANCEL,
    "templates/en/track-order.j2": "Your order {{ order_id }} is on its way.\n",
    "templates/de/track-order.j2": "Ihre Bestellung {{ order_id }} ist unterwegs.\n",
    "templates/ja/track-order.j2": "ご注文 {{ order_id }} は配送中です。\n",
    "templates/en/refund-status.j2": "Your refund is on its way.\n",
    "templates/de/refund-status.j2": "Ihre Erstattung ist unterwegs.\n",
    "templates/en/cancel-order.j2": "Your order is cancelled.\n",
}
