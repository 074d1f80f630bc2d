"""``replykit init``: a minimal KB that passes ``replykit lint`` at once, to grow from.

It holds one example entry (how to contact the team) with its template in every locale, the
``_greeting``/``_signature`` partials per locale, locale files with exactly the keys the templates
read, and a ``.pre-commit-config.yaml`` running this package's ``replykit-lint`` hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from replykit.kb.loader import CONFIG_NAME
from replykit.onboard.errors import KBExistsError
from replykit.userfiles import write_user_file


@dataclass(frozen=True)
class LocaleText:
    question: str
    answer: str
    hello_named: str
    hello: str
    thanks: str
    regards: str


#: The example in the languages most stores start with; other locales get the English text and a
#: note (a translator replaces it; ``replykit lint`` shows it as untranslated until then).
EXAMPLE_TEXT: dict[str, LocaleText] = {
    "en": LocaleText(
        "How can I contact you?",
        "You can write to us at {{ locale.support_email }}. We reply within one business day.",
        "Hi {{ customer.name }},",
        "Hello,",
        "Thank you for contacting {{ locale.store_name }}.",
        "Kind regards,",
    ),
    "de": LocaleText(
        "Wie kann ich Sie erreichen?",
        "Sie erreichen uns unter {{ locale.support_email }}. Wir antworten innerhalb eines Werktags.",
        "Guten Tag {{ customer.name }},",
        "Guten Tag,",
        "vielen Dank für Ihre Nachricht an {{ locale.store_name }}.",
        "Mit freundlichen Grüßen",
    ),
    "fr": LocaleText(
        "Comment puis-je vous contacter ?",
        "Vous pouvez nous écrire à {{ locale.support_email }}. Nous répondons sous un jour ouvré.",
        "Bonjour {{ customer.name }},",
        "Bonjour,",
        "Merci d’avoir contacté {{ locale.store_name }}.",
        "Cordialement,",
    ),
    "es": LocaleText(
        "¿Cómo puedo contactar con ustedes?",
        "Puede escribirnos a {{ locale.support_email }}. Respondemos en un día laborable.",
        "Hola, {{ customer.name }}:",
        "Hola:",
        "Gracias por contactar con {{ locale.store_name }}.",
        "Saludos cordiales,",
    ),
    "it": LocaleText(
        "Come posso contattarvi?",
        "Può scriverci a {{ locale.support_email }}. Rispondiamo entro un giorno lavorativo.",
        "Gentile {{ customer.name }},",
        "Buongiorno,",
        "grazie per aver contattato {{ locale.store_name }}.",
        "Cordiali saluti,",
    ),
    "nl": LocaleText(
        "Hoe kan ik contact met jullie opnemen?",
        "U kunt ons mailen op {{ locale.support_email }}. We antwoorden binnen één werkdag.",
        "Beste {{ customer.name }},",
        "Hallo,",
        "Bedankt voor uw bericht aan {{ locale.store_name }}.",
        "Met vriendelijke groet,",
    ),
    "pt": LocaleText(
        "Como posso entrar em contato?",
        "Pode nos escrever em {{ locale.support_email }}. Respondemos em um dia útil.",
        "Olá, {{ customer.name }},",
        "Olá,",
        "Obrigado por contatar a {{ locale.store_name }}.",
        "Atenciosamente,",
    ),
    "ja": LocaleText(
        "問い合わせ方法を教えてください。",
        "{{ locale.support_email }} までメールでお問い合わせください。翌営業日までにご返信いたします。",
        "{{ customer.name }} 様",
        "お客様",
        "{{ locale.store_name }}へお問い合わせいただき、ありがとうございます。",
        "よろしくお願いいたします。",
    ),
}

EXAMPLE_ID = "contact-us"


def _text_for(locale: str) -> tuple[LocaleText, bool]:
    language = locale.split("_")[0]
    if language in EXAMPLE_TEXT:
        return EXAMPLE_TEXT[language], True
    return EXAMPLE_TEXT["en"], False


def kb_files(source_locale: str, locales: Sequence[str], store_name: str, version: str) -> dict[str, str]:
    """Every file of the new KB, by path relative to its root."""
    ordered = [source_locale, *[loc for loc in locales if loc != source_locale]]
    config = (
        "# replykit knowledge base: see `replykit --help`; entries live in kb/, replies in templates/<locale>/.\n"
        + yaml.safe_dump({"source_locale": source_locale, "locales": ordered}, sort_keys=False, default_flow_style=None)
    )
    files = {CONFIG_NAME: config}
    questions: dict[str, list[str]] = {}
    for loc in ordered:
        text, _ = _text_for(loc)
        questions[loc] = [text.question]
        files[f"templates/{loc}/{EXAMPLE_ID}.j2"] = text.answer + "\n"
        files[f"templates/{loc}/_greeting.j2"] = (
            "{% if customer.name is defined %}\n"
            + text.hello_named
            + "\n{% else %}\n"
            + text.hello
            + "\n{% endif %}\n\n"
            + text.thanks
            + "\n"
        )
        files[f"templates/{loc}/_signature.j2"] = text.regards + "\n{{ locale.team_name }}\n"
        files[f"locales/{loc}.yaml"] = yaml.safe_dump(
            {"store_name": store_name, "team_name": f"{store_name} Support", "support_email": "support@example.com"},
            allow_unicode=True,
            sort_keys=False,
        )
    entry = {"id": EXAMPLE_ID, "questions": questions, "tags": ["example"]}
    files[f"kb/{EXAMPLE_ID}.yaml"] = (
        "# An example entry: copy it for each question your customers ask (or run `replykit import`).\n"
        + yaml.safe_dump(entry, allow_unicode=True, sort_keys=False, width=1000)
    )
    files[".pre-commit-config.yaml"] = (
        "# Checks the KB before every commit: pip install pre-commit && pre-commit install\n"
        "repos:\n"
        "  - repo: https://github.com/replykit/replykit\n"
        f"    rev: v{version}\n"
        "    hooks:\n"
        "      - id: replykit-lint\n"
    )
    return files


def untranslated_locales(locales: Sequence[str]) -> list[str]:
    return [loc for loc in locales if not _text_for(loc)[1]]


def create_kb(root: Path, source_locale: str, locales: Sequence[str], store_name: str = "Example Store") -> list[Path]:
    """Write the KB into ``root``; refuses (KBExistsError) when a KB or any file it would write is there."""
    from replykit import __version__

    if (root / CONFIG_NAME).exists():
        raise KBExistsError(
            f"{root / CONFIG_NAME}: a KB is already there: init never overwrites one; "
            "choose an empty folder, or use `replykit import` to add entries"
        )
    files = kb_files(source_locale, locales, store_name, __version__)
    existing = [rel for rel in files if (root / rel).exists()]
    if existing:
        raise KBExistsError(
            f"{root / existing[0]}: already exists: init never overwrites files; choose an empty folder"
        )
    written = []
    for rel, text in files.items():
        if rel == CONFIG_NAME:
            continue
        write_user_file(root / rel, text.encode("utf-8"))
        written.append(root / rel)
    write_user_file(root / CONFIG_NAME, files[CONFIG_NAME].encode("utf-8"))  # last: the folder is a KB once complete
    written.append(root / CONFIG_NAME)
    return written
