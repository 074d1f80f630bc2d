"""A small, clean KB (en source, de, ja) that passes every lint rule; rule cases change parts of it."""

from __future__ import annotations

CLEAN_KB: dict[str, str] = {
    "kb/track-order.yaml": """
        id: track-order
        questions:
          en: ["where is my parcel", "tracking number please", "has my package shipped yet"]
          de: ["wo ist mein Paket", "Sendungsnummer bitte", "wurde mein Paket schon verschickt"]
          ja: ["荷物はどこですか", "追跡番号を教えてください", "もう発送されましたか"]
        variables:
          order_id: {type: string, required: true}
          eta: {type: date}
        """,
    "kb/refund-status.yaml": """
        id: refund-status
        questions:
          en: ["when will I get my money back", "refund not received", "how long does a refund take"]
          de: ["wann bekomme ich mein Geld zurück", "Erstattung nicht erhalten", "wie lange dauert die Rückzahlung"]
          ja: ["返金はいつですか", "返金がまだ届いていません", "払い戻しにはどのくらいかかりますか"]
        variables:
          refund_amount: {type: money, required: true}
        """,
    "templates/en/track-order.j2": """
        Your order {{ order_id }} is on its way.
        {% if eta is defined %}
        It should arrive on {{ eta | date }}.
        {% endif %}
        """,
    "templates/de/track-order.j2": """
        Ihre Bestellung {{ order_id }} ist unterwegs.
        {% if eta is defined %}
        Sie sollte am {{ eta | date }} ankommen.
        {% endif %}
        """,
    "templates/ja/track-order.j2": """
        ご注文{{ order_id }}は発送済みです。
        {% if eta is defined %}
        お届け予定日は{{ eta | date }}です。
        {% endif %}
        """,
    "templates/en/refund-status.j2": """
        We refunded {{ refund_amount | money }}; it reaches your account within 5 days.
        """,
    "templates/de/refund-status.j2": """
        Wir haben {{ refund_amount | money }} erstattet; der Betrag ist in 5 Tagen auf Ihrem Konto.
        """,
    "templates/ja/refund-status.j2": """
        {{ refund_amount | money }}を返金いたしました。5日以内にお客様の口座に反映されます。
        """,
    "locales/en.yaml": "store_name: Kumo Supply\ncurrency: USD\ntimezone: America/New_York\n",
    "locales/de.yaml": "store_name: Kumo Supply\ncurrency: EUR\ntimezone: Europe/Berlin\n",
    "locales/ja.yaml": "store_name: Kumo Supply\ncurrency: JPY\ntimezone: Asia/Tokyo\n",
}
