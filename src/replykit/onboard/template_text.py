"""A reply template read back as text, variables and logic: what an export can carry to a helpdesk.

Jinja's own lexer splits the source (never a regular expression over template syntax), and nothing
is compiled or rendered: an export needs the template's words, not a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError

NAME_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
FILTERED = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\|\s*([A-Za-z_]\w*)")
STRING = re.compile(r"""^(?:'([^'\\]*)'|"([^"\\]*)")$""")


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Var:
    name: str
    source: str  # the expression as written, e.g. ``eta | date('long')``
    filter: str | None = None


@dataclass(frozen=True)
class Logic:
    source: str  # ``{% if ... %}`` and expressions that are more than a name


Part = Text | Var | Logic


def template_parts(source: str) -> list[Part]:
    """Split template source into literal text, plain variables and logic, in order."""
    try:
        tokens = list(Environment(keep_trailing_newline=True).lex(source))
    except TemplateSyntaxError as e:
        return [Logic(f"(a template syntax error on line {e.lineno}: {e.message})")]
    parts: list[Part] = []
    expression: list[str] | None = None
    block: list[str] | None = None
    for _line, kind, value in tokens:
        if kind in ("data",) and expression is None and block is None:
            parts.append(Text(value))
        elif kind == "variable_begin":
            expression = []
        elif kind == "variable_end" and expression is not None:
            parts.append(_expression("".join(expression).strip()))
            expression = None
        elif kind == "block_begin":
            block = []
        elif kind == "block_end" and block is not None:
            parts.append(Logic("{% " + "".join(block).strip() + " %}"))
            block = None
        elif expression is not None:
            expression.append(value)
        elif block is not None:
            block.append(value)
    return _merged(parts)


def as_text(source: str) -> str:
    """The template as ``export --to csv`` writes it: text, ``{{ expression }}`` and logic tags as written.

    An import compares a CSV answer with this to see that a template with logic was not changed
    upstream, without ever turning the CSV's text into template source.
    """
    out = []
    for part in template_parts(source):
        if isinstance(part, Text):
            out.append(part.text)
        elif isinstance(part, Var):
            out.append("{{ " + part.source + " }}")
        else:
            out.append(part.source)
    return "".join(out).strip("\n")


def _expression(expr: str) -> Part:
    literal = STRING.match(expr)
    if literal:
        return Text(literal.group(1) if literal.group(1) is not None else literal.group(2))
    if NAME_PATH.match(expr):
        return Var(expr, expr)
    filtered = FILTERED.match(expr)
    if filtered:
        return Var(filtered.group(1), expr, filtered.group(2))
    return Logic("{{ " + expr + " }}")


def _merged(parts: list[Part]) -> list[Part]:
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + part.text)
        else:
            out.append(part)
    return out
