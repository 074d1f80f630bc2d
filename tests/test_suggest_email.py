"""Pasted e-mails: greetings, thanks, signatures and quoted replies do not decide the match."""

from __future__ import annotations

import json

import pytest

from replykit.matching.message import essential_text, request_text

from .conftest import RunCLI, WriteKB

FILES = {
    "kb/track-order.yaml": """
        id: track-order
        questions:
          en: ["where is my parcel", "my order has not arrived yet", "tracking number please"]
          de: ["wo ist mein Paket", "meine Bestellung ist noch nicht angekommen"]
        """,
    "kb/delivery-follow-up.yaml": """
        id: delivery-follow-up
        questions:
          en: ["got it, thanks!", "thank you, everything arrived", "hello, just saying thanks"]
          de: ["danke, ist angekommen", "vielen Dank, alles gut"]
        """,
    "kb/return-item.yaml": """
        id: return-item
        questions:
          en: ["how do I return the jacket", "I want to send it back"]
          de: ["wie kann ich die Jacke zurückschicken", "ich möchte das zurückgeben"]
        """,
    "templates/en/track-order.j2": "It is on its way.\n",
    "templates/en/delivery-follow-up.j2": "Glad it arrived.\n",
    "templates/en/return-item.j2": "Here is how to return it.\n",
}
CONFIG = "source_locale: en\nlocales: [en, de]\n"

EMAIL = """Hello,

I ordered a jacket two weeks ago (order KS-1234).
It still has not arrived, where is my parcel?

Thanks a lot,
Tom
"""

GERMAN_EMAIL = """Sehr geehrte Damen und Herren,

meine Bestellung ist noch nicht angekommen. Wo ist mein Paket?

Vielen Dank und mit freundlichen Grüßen
Anna Schmidt
"""

REPLY_WITH_QUOTE = """how do I return the jacket, it is too small

On Mon, 23 Nov 2026 at 10:00, Kumo Supply <support@kumo.example> wrote:
> Thank you, we hope everything arrived fine. Thanks again and hello from Tokyo!
"""


@pytest.mark.parametrize(
    ("message", "expected"),
    [(EMAIL, "track-order"), (GERMAN_EMAIL, "track-order"), (REPLY_WITH_QUOTE, "return-item")],
)
def test_a_pasted_email_matches_what_it_asks(write_kb: WriteKB, run_cli: RunCLI, message: str, expected: str) -> None:
    root = write_kb(FILES, config=CONFIG)
    result = run_cli("suggest", "--kb", str(root), "--format", "json", input=message)
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["matches"][0]["id"] == expected
    assert answer["query"] == message.strip()  # the query is reported as the customer wrote it


def test_a_message_that_is_only_thanks_still_finds_the_thanks_entry(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES, config=CONFIG)
    result = run_cli("suggest", "--kb", str(root), "--locale", "en", "--format", "json", "thank you, got it!")
    assert json.loads(result.stdout)["matches"][0]["id"] == "delivery-follow-up"


@pytest.mark.parametrize(
    ("message", "essential"),
    [
        ("Hi, where is my parcel?", "where is my parcel?"),
        ("Dear Kumo Supply team,\nI would like to return the jacket.\nKind regards\nAnna\n+49 170 1234567",
         "I would like to return the jacket."),
        ("Madame, Monsieur,\nje n'ai pas reçu mon colis.\nCordialement,\nMarie", "je n'ai pas reçu mon colis."),
        ("Hola, quiero devolver las zapatillas\nGracias", "quiero devolver las zapatillas"),
        (
            "お世話になっております。\n注文した荷物がまだ届きません。\nよろしくお願いいたします。",
            "注文した荷物がまだ届きません。",
        ),
        ("ご担当者様\n\nいつもお世話になっております。\n返品したいです", "返品したいです"),
        ("Where is my order?\n-- \nTom Baker\nSent from my phone", "Where is my order?"),
        # Left alone: no frame, a greeting that runs into the question, a sentence that starts with thanks.
        ("hello where is my order", "hello where is my order"),
        ("Thank you for the quick reply. Can I also change the size?\nBest, Tom",
         "Thank you for the quick reply. Can I also change the size?"),
        ("history of my order please", "history of my order please"),
        # Nothing but the frame: kept whole, so small talk still finds small-talk entries.
        ("thanks!", "thanks!"),
        ("Hello", "Hello"),
    ],
)
def test_essential_text(message: str, essential: str) -> None:
    assert essential_text(message) == essential


DAMAGED = {
    **FILES,
    "kb/damaged-item.yaml": """
        id: damaged-item
        questions:
          en: ["the item arrived broken", "my parcel was damaged in transit"]
          de: ["die Ware ist beschädigt angekommen", "der Artikel ist kaputt"]
          ja: ["商品が壊れて届きました", "箱がつぶれていました"]
        """,
    "kb/return-item.yaml": """
        id: return-item
        questions:
          en: ["how do I return the jacket", "I want to send it back", "how do I proceed with a return"]
          de: ["wie kann ich die Jacke zurückschicken", "wie gehe ich bei einer Rücksendung vor"]
          ja: ["返品の方法を教えてください", "返品したいのですが対応をお願いします"]
        """,
    "templates/en/damaged-item.j2": "Sorry it arrived damaged.\n",
}


@pytest.mark.parametrize(
    "message",
    [
        "Guten Tag,\n\nder Artikel ist kaputt angekommen, die Ware ist beschädigt.\nWie gehen wir jetzt vor?\n\n"
        "Mit freundlichen Grüßen\nSabine",
        "Hi,\nmy parcel was damaged in transit and the item arrived broken. How should I proceed?\nThanks\nTom",
        "お世話になっております。\n注文した商品が壊れて届きました。\nご対応をお願いいたします。\n田中",
    ],
)
def test_a_follow_up_that_asks_nothing_does_not_decide(write_kb: WriteKB, run_cli: RunCLI, message: str) -> None:
    root = write_kb(DAMAGED, config="source_locale: en\nlocales: [en, de, ja]\n")
    result = run_cli("suggest", "--kb", str(root), "--format", "json", input=message)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["matches"][0]["id"] == "damaged-item"


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("The lid is cracked. What should I do now?", "The lid is cracked."),
        ("Leider ist der Kessel verbeult.\nWie gehen wir jetzt vor?", "Leider ist der Kessel verbeult."),
        ("Me llegó roto. ¿Qué hago?", "Me llegó roto."),
        ("Il est cassé. Que dois-je faire ?", "Il est cassé."),
        ("荷物が壊れていました。どうすればいいですか？", "荷物が壊れていました。"),
        # Left alone: the follow-up is all there is, or it asks something of its own.
        ("What now?", "What now?"),
        ("The lid is cracked. What should I do if it leaks?", "The lid is cracked. What should I do if it leaks?"),
    ],
)
def test_request_text_drops_a_follow_up_that_asks_nothing(message: str, asked: str) -> None:
    assert request_text(message) == asked
