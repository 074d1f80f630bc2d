"""The part of a pasted customer message that asks something: no greeting, sign-off or quoted reply.

Agents paste whole e-mails: "Hello, ... Where is my parcel? ... Thanks, Tom", often above the
quoted previous reply. Greetings and thanks are the words the KB's own small-talk entries are made
of ("thanks, got it"), so left in, they pull a question about a late parcel towards the "delivery
follow-up" entry. Only the frame is removed: a line that mixes a greeting with the question keeps
the question, and a message that is nothing but a greeting or thanks is left as it is.
"""

from __future__ import annotations

import re

from replykit.matching.patterns import LazyPattern

# Openers of a greeting, in the languages sellers meet most, longest first; a name may follow
# ("Hi Anna,"). Matched by prefix, not one big regular expression: compiling that cost every
# question ~2 ms, a tenth of the whole budget of a single-question process.
_OPENERS = tuple(
    sorted(
        (
            "hi", "hello", "hey", "hiya", "good morning", "good afternoon", "good evening", "good day",
            "greetings", "to whom it may concern", "hallo", "moin", "servus", "guten tag", "guten morgen",
            "guten abend", "bonjour", "bonsoir", "salut", "madame, monsieur", "madame", "monsieur", "hola",
            "buenos días", "buenos dias", "buenas tardes", "buenas noches", "ciao", "salve", "buongiorno",
            "hoi", "goedemiddag", "goedemorgen", "olá", "ola", "bom dia", "boa tarde",
        ),
        key=len,
        reverse=True,
    )
)
# Openers that address someone by a longer form ("Dear Kumo Supply team,", "Sehr geehrte Damen und Herren,").
_ADDRESSING = tuple(
    sorted(
        (
            "dear", "sehr geehrte", "sehr geehrter", "sehr geehrtes", "liebe", "lieber", "liebes", "cher",
            "chère", "estimado", "estimada", "estimados", "estimadas", "gentile", "beste",
        ),
        key=len,
        reverse=True,
    )
)
_NAME_THEN_PUNCTUATION = LazyPattern(r"(?:[ \t]+[^\W\d_][\w.'-]*){0,3}?[ \t]*(?:[,:!.]+|$)")
_ADDRESSEE_THEN_PUNCTUATION = LazyPattern(r"[^,:!\n]{0,40}?(?:[ \t]+[^\W\d_][\w.'-]*){0,3}?[ \t]*(?:[,:!]+|$)")
# Japanese and Chinese openers are set phrases that end with their own punctuation, or a line end.
_CJK_ADDRESSEE = LazyPattern(r"^\s*[^\s、。]{1,20}(?:様|さま|御中)[、。\s]*$")
_CJK_GREETING = LazyPattern(
    r"^\s*(?:[^\s、。]{1,20}(?:様|さま|御中)[、。\s]*)?"
    r"(?:お世話になっております|お世話になります|いつもお世話になっております|こんにちは|こんばんは|はじめまして|初めまして|您好|你好)"
    r"[、。！!\s]*"
)
# Sign-offs: a short closing line and everything after it (the name, a phone number, a footer).
_CLOSING = LazyPattern(
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
_CJK_CLOSING = LazyPattern(
    r"^\s*(?:よろしくお願い|宜しくお願い|どうぞよろしく|以上(?:です|、|。|$)|谢谢|謝謝|此致"
    r"|ご?対応(?:を|の程|のほど)?(?:よろしく|宜しく)?お願い)"  # "please deal with it": a set closing
)
# The header above a quoted earlier message, and the lines of the quote itself.
_REPLY_HEADER = LazyPattern(
    r"""^\s*(?:
        on\s.{4,120}\swrote:|am\s.{4,120}\sschrieb\s.{0,120}:|le\s.{4,120}\sa\sécrit\s?:|el\s.{4,120}\sescribió:
        |-{2,}\s?(?:original\smessage|ursprüngliche\snachricht|message\sd'origine|mensaje\soriginal)\s?-{2,}
        |from:\s.+|von:\s.+|de\s?:\s.+@.+
        |\d{4}[/年-]\d{1,2}[/月-]\d{1,2}.{0,60}(?:wrote|書きました|写道).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SIGNATURE_DELIMITER = LazyPattern(r"^--\s?$")
#: A closing line longer than this many words is a sentence that happens to start with "thanks".
_CLOSING_MAX_WORDS = 6
#: Closings are looked for among this many last lines of the message.
_CLOSING_WINDOW = 4


def essential_text(text: str) -> str:
    """The message without its greeting, sign-off, signature and quoted earlier messages.

    Returns the text unchanged when nothing is left once the frame is removed ("thanks!").
    """
    lines = text.splitlines()
    if sum(1 for line in lines if line.strip()) > 1:  # an e-mail, not a one-line chat message
        lines = _without_closing(_without_quotes(lines))
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
        rest = line if line.isascii() else _CJK_GREETING.sub("", line, count=1)
        if rest == line:
            rest = _strip_opener(line)
        return [*lines[:i], rest, *lines[i + 1 :]]
    return lines


def _strip_opener(line: str) -> str:
    """The line without a leading greeting such as "Hi Anna," (unchanged when it has none)."""
    text = line.lstrip()
    for openers, tail in ((_ADDRESSING, _ADDRESSEE_THEN_PUNCTUATION), (_OPENERS, _NAME_THEN_PUNCTUATION)):
        for opener in openers:
            head = text[: len(opener)]
            if head.lower() != opener or text[len(opener) : len(opener) + 1].isalnum():
                continue
            found = tail.match(text, len(opener))
            return text[found.end() :] if found else line
    return line


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


# -- the sentence that carries the request

# "I don't want to cancel, ..." in the KB languages and their neighbours: a clause that says what
# the customer does NOT ask for. Dropped when another clause is left, so the request that follows
# ("... I just need to change the address") decides the match.
_NOT_WANTED = LazyPattern(
    r"""(?:^|(?<=[.!?;,\n]))[^.!?;,\n]*?(?:
        \b(?:i|we)\s*(?:do\s*n[o']?t|don['’]?t|dont|did\s*n[o']?t|didn['’]?t|am\s+not|['’]m\s+not)\s+
            (?:want|wish|need|mean|intend|plan|ask|asking|trying)\b
        |\bnot\s+(?:asking|trying|looking)\s+(?:to|for)\b
        |\b(?:ich|wir)\s+(?:möchte|möchten|will|wollen|wollte|muss|müssen|brauche)\b[^.!?;,\n]*?\b(?:nicht|kein\w*)\b
        |\b(?:je|nous)\s+ne\s+(?:veux|voulons|souhaite|souhaitons|voudrais|cherche|demande)\s+pas\b
        |\bno\s+(?:quiero|queremos|deseo|necesito|busco|pido)\b
        |\bnon\s+(?:voglio|vogliamo|desidero|chiedo)\b
        |\bnão\s+(?:quero|queremos|preciso|desejo)\b
        |\bik\s+wil\b[^.!?;,\n]*?\bniet\b
    )[^.!?;,\n]*(?:[.!?;,\n]+|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# The Japanese and Chinese forms: "…したくないのですが、" / "…不想…，" up to the clause's end.
_NOT_WANTED_CJK = LazyPattern(
    r"[^。！？、，,\n]*(?:たくない|たいわけではない|つもりはない|不想|不要)[^。！？、，,\n]*[。！？、，,\n]+"
)
#: ... and one of the verbs of wanting that the patterns look for (or a CJK form).
_WANT_CLUES = (
    "want", "wish", "need", "mean", "intend", "plan", "ask", "trying", "looking", "möchte", "will", "woll",
    "muss", "brauch", "veux", "voulons", "souhait", "voudrais", "cherche", "demande", "quiero", "queremos",
    "deseo", "necesito", "busco", "pido", "voglio", "vogliamo", "desidero", "chiedo", "quero", "preciso",
    "desejo", "wil", "たく", "つもり", "不想", "不要",
)
#: Cheap clues that a message may say what it does not want (the patterns compile only then).
_NEGATION_CLUES = ("n't", "nt ", "not", "nicht", "kein", " pas", "no ", "non ", "não", "niet", "たくない", "ない", "不")
# A sentence that turns to the problem after pleasantries: "I got it today. But the lid is cracked."
_TURN = LazyPattern(
    r"""(?:^|(?<=[.!?。！？\n]))\s*(?:
        but|however|unfortunately|sadly|aber|leider|allerdings|jedoch|mais|malheureusement|cependant
        |pero|sin\s+embargo|lamentablemente|desafortunadamente|ma|purtroppo|però|mas|infelizmente|helaas|maar
        |しかし|でも|ただ|ところが|残念ながら|但是|可是|不过
    )(?=[\s,、，]|$)""",
    re.IGNORECASE | re.VERBOSE,
)


# A follow-up that asks nothing of its own ("What now?", "Wie gehen wir jetzt vor?", "¿Qué hago?"):
# after the sentence that says what is wrong, it adds only the words of the KB's "how do I ..."
# entries. Dropped when another sentence is left.
_FOLLOW_UP = LazyPattern(
    r"""(?:^|(?<=[.!?。！？\n]))\s*[¿¡]?(?:
        (?:so\s+)?(?:what\s+now|what\s+(?:should|do|can)\s+(?:i|we)\s+do(?:\s+now)?
            |how\s+(?:should|do|can)\s+(?:i|we)\s+proceed|how\s+do\s+we\s+go\s+from\s+here|please\s+advise)
        |(?:und\s+)?(?:was\s+nun|wie\s+geht\s+es\s+(?:jetzt\s+|nun\s+)?weiter|wie\s+gehen\s+wir\s+(?:jetzt\s+|nun\s+)?vor
            |was\s+(?:soll|kann)\s+ich\s+(?:jetzt\s+|nun\s+)?(?:tun|machen))
        |(?:et\s+)?(?:que\s+(?:dois-je|puis-je|faire|faisons-nous)(?:\s+faire)?(?:\s+maintenant)?|comment\s+(?:procéder|faisons-nous))
        |(?:y\s+)?(?:qué\s+(?:hago|hacemos|debo\s+hacer|puedo\s+hacer)(?:\s+ahora)?|cómo\s+(?:procedo|procedemos|seguimos))
        |(?:どうすれば|どうしたら)(?:いい|よい|良い)(?:の)?(?:です|でしょう)?か?|怎么办
    )\s*(?:[.!?。！？]+|(?=\n)|$)""",
    re.IGNORECASE | re.VERBOSE,
)


def request_text(text: str) -> str:
    """The part of a message that carries its request: without clauses that say what the customer
    does not want, without a follow-up that asks nothing of its own ("What now?"), and from a
    sentence that turns to a problem ("But the lid is cracked") on.

    Unchanged when nothing with words would be left."""
    kept = text
    if _SENTENCE_BREAK.search(text.strip()):
        rest = _FOLLOW_UP.sub(" ", text)
        if _has_words(rest):
            kept = rest
    lowered = kept.lower()
    if any(clue in lowered for clue in _NEGATION_CLUES) and any(verb in lowered for verb in _WANT_CLUES):
        wanted = _NOT_WANTED_CJK.sub("", _NOT_WANTED.sub(" ", kept))
        if _has_words(wanted):
            kept = wanted
    turn = _TURN.search(kept) if _SENTENCE_BREAK.search(kept.strip()) else None
    if turn is not None and turn.start() > 0 and _has_words(kept[: turn.start()]):
        rest = kept[turn.start() :]
        if sum(ch.isalnum() for ch in rest) >= _TURN_MIN_CHARS:
            kept = rest
    return kept.strip()


_SENTENCE_BREAK = LazyPattern(r"[.!?。！？\n]\s*\S")
#: The sentence after a turn must have this many letters or digits to be the request.
_TURN_MIN_CHARS = 8


# -- two questions in one message

_SENTENCE_END = LazyPattern(r"[.!?。！？\n]+\s*|[;；]\s*")
_JOINER = LazyPattern(
    r",?\s+(?:and\s+also|and|also|plus|und\s+auch|und|außerdem|et\s+aussi|et|aussi|y\s+también|y|también"
    r"|e\s+anche|e|inoltre|e\s+também|en\s+ook|en)\s+|,\s+",
    re.IGNORECASE,
)
#: With fewer split points than this at punctuation and joining words, word boundaries are tried too.
_MARKED_ENOUGH = 1
#: Messages of at least this many words may be two questions joined without punctuation.
_UNMARKED_MIN_WORDS = 9
#: Where a long message without punctuation is cut (shares of its words): each cut costs two rankings.
_UNMARKED_CUTS = (0.4, 0.5, 0.6)
#: At most this many ways to split are tried (a question's time stays in milliseconds).
_MAX_SPLITS = 4
#: Each side of a split has at least this many words (or CJK characters / 3).
_PART_MIN_WORDS = 3


def split_candidates(text: str) -> list[tuple[str, str]]:
    """Ways to read a message as two questions: at sentence ends and joining words first; in a
    long message without them, at word boundaries around its middle."""
    out: list[tuple[str, str]] = []
    seen: set[int] = set()
    for pattern in (_SENTENCE_END, _JOINER):
        for found in pattern.finditer(text):
            start, end = found.start(), found.end()
            if start in seen or end >= len(text):
                continue
            head, tail = _trimmed(text[:start]), _trimmed(text[end:])
            if _words(head) >= _PART_MIN_WORDS and _words(tail) >= _PART_MIN_WORDS:
                seen.add(start)
                out.append((head, tail))
    if len(out) < _MARKED_ENOUGH:
        words = text.split()
        if len(words) >= _UNMARKED_MIN_WORDS:
            cuts = {round(len(words) * share) for share in _UNMARKED_CUTS}
            for cut in sorted(c for c in cuts if _PART_MIN_WORDS <= c <= len(words) - _PART_MIN_WORDS):
                out.append((" ".join(words[:cut]), " ".join(words[cut:])))
    return out[:_MAX_SPLITS]


_EDGE_JOINER = LazyPattern(
    r"^(?:(?:and|also|plus|und|auch|außerdem|et|aussi|y|también|e|anche|inoltre|en|ook)\b[\s,]*)+"
    r"|[\s,]+(?:and|also|plus|und|et|y|e|en)$",
    re.IGNORECASE,
)


def _trimmed(part: str) -> str:
    """A part without the joining word left at its edge ("Also, where is it?" -> "where is it?")."""
    return _EDGE_JOINER.sub("", part.strip()).strip(" ,")


def _words(text: str) -> int:
    spaced = len(text.split())
    cjk = sum(1 for ch in text if ord(ch) >= 0x3040)
    return max(spaced, cjk // 3)
