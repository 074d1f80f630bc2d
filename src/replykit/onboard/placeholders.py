"""Helpdesk placeholders <-> replykit variables, and imported text made safe as template source.

An imported answer is the customer's (or the helpdesk's) text, so it is DATA: every ``{{``, ``{%``
and ``{#`` in it is escaped, and only placeholders that replykit knows (or the user's mapping file
names) become ``{{ variable }}`` references. Anything else stays visible as text and is listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Helpdesk placeholders with a replykit meaning, as each helpdesk documents them.
KNOWN_PLACEHOLDERS: dict[str, str] = {
    # Zendesk (placeholders reference)
    "{{ticket.requester.first_name}}": "customer.name",
    "{{ticket.requester.name}}": "customer.name",
    # Gorgias (macro variables)
    "{{ticket.customer.firstname}}": "customer.name",
    "{{ticket.customer.name}}": "customer.name",
    # Chatwoot (canned response variables)
    "{{contact.name}}": "customer.name",
    "{{contact.first_name}}": "customer.name",
    # Help Scout (saved reply variables)
    "%customer.firstName%": "customer.name",
    "%customer.fullName%": "customer.name",
}

#: The placeholder each helpdesk fills for a replykit variable (export direction).
HELPDESK_PLACEHOLDERS: dict[str, dict[str, str]] = {
    "zendesk": {"customer.name": "{{ticket.requester.first_name}}"},
    "gorgias": {"customer.name": "{{ticket.customer.firstname}}"},
    "chatwoot": {"customer.name": "{{contact.name}}"},
}

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}|%([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+)%")
PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
RECORD_NAME = re.compile(r"^(customer|order|locale)\.[a-z_][a-z0-9_]*$")
JINJA_OPENER = re.compile(r"\{(?=[{%#])|\{$")


def canonical(placeholder: str) -> str:
    """``{{ ticket.requester.name }}`` and ``{{ticket.requester.name}}`` are the same placeholder."""
    match = PLACEHOLDER.fullmatch(placeholder.strip())
    if match and match.group(1) is not None:
        return "{{" + match.group(1).strip() + "}}"
    return placeholder.strip()


def escape_literal(text: str) -> str:
    """Template source that prints ``text`` exactly: a ``{`` that would open a Jinja tag is printed by Jinja itself."""
    return JINJA_OPENER.sub("{{ '{' }}", text)


@dataclass
class ConvertedAnswer:
    """An answer as template source, the variables it reads, and the placeholders left as text."""

    source: str
    variables: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def to_template(text: str, mapping: Mapping[str, str], *, bare_names: bool = True) -> ConvertedAnswer:
    """Turn imported text into template source: known placeholders become variables, the rest is data.

    ``mapping`` (from the user's mapping file) wins over :data:`KNOWN_PLACEHOLDERS`. A bare
    ``{{ name }}`` or ``{{ customer.name }}`` is replykit's own form (CSV exports) and stays a variable
    when ``bare_names`` (not in helpdesk text, where only the helpdesk's placeholders mean something).
    """
    out: list[str] = []
    result = ConvertedAnswer("")
    position = 0
    for match in PLACEHOLDER.finditer(text):
        out.append(escape_literal(text[position : match.start()]))
        position = match.end()
        key = canonical(match.group(0))
        inner = (match.group(1) or "").strip()
        variable = mapping.get(key) or KNOWN_PLACEHOLDERS.get(key)
        if variable is None and bare_names and (PLAIN_NAME.match(inner) or RECORD_NAME.match(inner)):
            variable = inner
        if variable is None:
            out.append(escape_literal(match.group(0)))
            if match.group(0) not in result.unknown:
                result.unknown.append(match.group(0))
            continue
        out.append("{{ " + variable + " }}")
        if variable not in result.variables:
            result.variables.append(variable)
    out.append(escape_literal(text[position:]))
    result.source = "".join(out)
    return result


def declared_name(variable: str) -> str | None:
    """The name an entry declares for a variable; ``customer``/``order``/``locale`` need no declaration."""
    return None if "." in variable else variable
