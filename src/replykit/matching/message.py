"""The part of a pasted customer message that asks something: no greeting, sign-off or quoted reply.

Agents paste whole e-mails: "Hello, ... Where is my parcel? ... Thanks, Tom", often above the
quoted previous reply. Greetings and thanks are the words the KB's own small-talk entries are made
of ("thanks, got it"), so left in, they pull a question about a late parcel towards the "delivery
follow-up" entry. Only the frame is removed: a line that mixes a greeting with the question keeps
the question, and a message that is nothing but a greeting or thanks is left as it is.
"""

from __future__ import annotations

import re

# Openers of a greeting, in the languages sellers meet most; a name may follow ("Dear Ms Sato,").
_GREETING = re.compile(
    r"""^\s*(?:
        hi|hello|hey|hiya|dear\b[^,:!\n]{0,40}|good\s(?:morning|afternoon|evening|day)|greetings|to\swhom\sit\smay\sconcern
        |hallo|moin|servus|guten\s(?:tag|morgen|abend)|sehr\sgeehrte[rs]?\b[^,:!\n]{0,40}|liebe[rs]?\b[^,:!\n]{0,40}
        |bonjour|bonsoir|salut|madame,\smonsieur|madame|monsieur|cher\b[^,:!\n]{0,40}|chère\b[^,:!\n]{0,40}
        |hola|buenos\sd[ií]as|buenas\s(?:tardes|noches)|estimad[oa]s?\b[^,:!\n]{0,40}
        |ciao|salve|buongiorno|gentile\b[^,:!\n]{0,40}|hoi|goedemiddag|goedemorgen|beste\b[^,:!\n]{0,40}|ol[aá]|bom\sdia|boa\starde
    )(?:[ \t]+[^\W\d_][\w.'-]*){0,3}?[ \t]*(?:[,:!.]+|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# Japanese and Chinese openers are set phrases that end with their own punctuation, or a line end.
_CJK_ADDRESSEE = re.compile(r"^\s*[^\s、。]{1,20}(?:様|さま|御中)[、。\s]*$")
_CJK_GREETING = re.compile(
    r"^\s*(?:[^\s、。]{1,20}(?:様|さま|御中)[、。\s]*)?"
    r"(?:お世話になっております|お世話になります|いつもお世話になっております|こんにちは|こんばんは|はじめまして|初めまして|您好|你好)"
    r"[、。！!\s]*"
)
# Sign-offs: a short closing line and everything after it (the name, a phone number, a footer).
_CLOSING = re.compile(
    r"""^\s*(?:
        thanks|thank\syou|thx|ty|many\sthanks|cheers|regards|best|kind\sregards|best\sregards|warm\sregards
        |sincerely|yours|all\sthe\sbest|have\sa\snice\sday
        |danke|vielen\sdank|danke\sschön|mit\sfreundlichen\sgrüßen|mfg|viele\sgrüße|beste\sgrüße|lg|gruß|grüße
        |merci|merci\sbeaucoup|cordialement|bien\scordialement|bien\sà\svous|bonne\sjournée|salutations
        |gracias|muchas\sgracias|saludos|un\ssaludo|atentamente|cordiales\ssaludos
        |grazie|cordiali\ssaluti|distinti\ssaluti|met\svriendelijke\sgroet|groeten|obrigad[oa]|atenciosamente
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_CJK_CLOSING = re.compile(r"^\s*(?:よろしくお願い|宜しくお願い|どうぞよろしく|以上(?:です|、|。|$)|谢谢|謝謝|此致)")
# The header above a quoted earlier message, and the lines of the quote itself.
_REPLY_HEADER = re.compile(
    r"""^\s*(?:
        on\s.{4,120}\swrote:|am\s.{4,120}\sschrieb\s.{0,120}:|le\s.{4,120}\sa\sécrit\s?:|el\s.{4,120}\sescribió:
        |-{2,}\s?(?:original\smessage|ursprüngliche\snachricht|message\sd'origine|mensaje\soriginal)\s?-{2,}
        |from:\s.+|von:\s.+|de\s?:\s.+@.+
        |\d{4}[/年-]\d{1,2}[/月-]\d{1,2}.{0,60}(?:wrote|書きました|写道).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
#: A closing line longer than this many words is a sentence that happens to start with "thanks".
_CLOSING_MAX_WORDS = 6
#: Closings are looked for among this many last lines of the message.
_CLOSING_WINDOW = 4


def essential_text(text: str) -> str:
    """The message without its greeting, sign-off, signature and quoted earlier messages.

    Returns the text unchanged when nothing is left once the frame is removed ("thanks!").
    """
    lines = _without_quotes(text.splitlines())
    lines = _without_closing(lines)
    lines = _without_greeting(lines)
    essential = "\n".join(line for line in lines if line.strip()).strip()
    return essential if _has_words(essential) else text.strip()


def _without_quotes(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if _REPLY_HEADER.match(line) or _SIGNATURE_DELIMITER.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return kept


def _without_closing(lines: list[str]) -> list[str]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return lines  # a one-line message is all question (or all thanks): keep it
    for i in filled[-_CLOSING_WINDOW:]:
        line = lines[i]
        if i != filled[0] and (_CJK_CLOSING.match(line) or _is_short_closing(line)):
            return lines[:i]
    return lines


def _is_short_closing(line: str) -> bool:
    return _CLOSING.match(line) is not None and len(line.split()) <= _CLOSING_MAX_WORDS and "?" not in line


def _without_greeting(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if _CJK_ADDRESSEE.match(line):  # "ご担当者様" on a line of its own: the greeting may follow
            lines = [*lines[:i], "", *lines[i + 1 :]]
            continue
        rest = _CJK_GREETING.sub("", line, count=1)
        if rest == line:
            rest = _GREETING.sub("", line, count=1)
        return [*lines[:i], rest, *lines[i + 1 :]]
    return lines


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
