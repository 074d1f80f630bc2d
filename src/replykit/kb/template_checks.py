"""Checks of a template's text that every reader of it makes: the KB build (reported as problems)
and the renderer, which reads each template it uses from disk. No YAML, no Jinja: cheap to import."""

from __future__ import annotations

import re
from pathlib import Path

from replykit.errors import Problem

#: Brackets nested inside one ``{{ }}`` or ``{% %}`` tag, and blocks (if, for, macro, ...) nested
#: in each other. Jinja's parser recurses about 13 Python frames per bracket and 5 per block:
#: both at their bound stay well inside Python's 1,000 frames. Real templates need under ten.
MAX_TEMPLATE_BRACKETS = 30
MAX_TEMPLATE_BLOCKS = 50
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_BLOCK_WORD = re.compile(r"\{%[-+]?\s*(\w+)")
_BLOCK_TAGS = frozenset({"if", "for", "macro", "call", "filter", "block", "with", "raw", "autoescape", "trans"})


def template_nesting_problem(path: str, source: str) -> Problem | None:
    """A problem when the template nests deeper than Jinja's parser can follow without RecursionError."""
    blocks = 0
    for match in _JINJA_TAG.finditer(source):
        tag = match.group()
        word = _BLOCK_WORD.match(tag)
        if word is not None:
            name = word.group(1)
            blocks = max(blocks - 1, 0) if name.startswith("end") else blocks + (name in _BLOCK_TAGS)
            if blocks > MAX_TEMPLATE_BLOCKS:
                return _nesting_at(path, source, match.start(), f"blocks nested more than {MAX_TEMPLATE_BLOCKS} deep")
        depth = 0
        for char in tag[2:-2]:  # inside the tag's own braces
            if char in "([{":
                depth += 1
                if depth > MAX_TEMPLATE_BRACKETS:
                    what = f"brackets nested more than {MAX_TEMPLATE_BRACKETS} deep"
                    return _nesting_at(path, source, match.start(), what)
            elif char in ")]}":
                depth = max(depth - 1, 0)
    return None


def _nesting_at(path: str, source: str, offset: int, what: str) -> Problem:
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return Problem(Path(path), line, column, f"{what}: split the expression or the blocks")


def utf8_problem(path: str, data: bytes) -> Problem | None:
    """Where a template's first byte that is not UTF-8 is, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        column = e.start - (before.rfind(b"\n") + 1) + 1
        return Problem(Path(path), line, column, "file is not UTF-8 text: save it with UTF-8 encoding")
    return None
