"""Shell completion of what only the KB knows: entry ids, locales and tags (`replykit --install-completion`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from replykit.kb.model import KnowledgeBase


def _kb(ctx: typer.Context) -> KnowledgeBase | None:
    """The KB the command line names (--kb, $REPLYKIT_KB, or upwards); None when there is none to read."""
    from replykit.errors import UserError
    from replykit.kb.loader import load_kb

    given = ctx.params.get("kb")
    source = ctx.get_parameter_source("kb")
    if source is None or source.name != "COMMANDLINE":
        given = _kb_after_cursor() or given  # typed on the line beats $REPLYKIT_KB, wherever the cursor is
    try:
        return load_kb(Path(given) if given else None)
    except (UserError, OSError):
        return None


def _kb_after_cursor() -> str | None:
    """``--kb DIR`` typed after the word being completed (``replykit render tr<TAB> --kb shop``):
    click parses only the words before the cursor, but bash and zsh pass the whole line."""
    import os
    import shlex

    try:
        words = shlex.split(os.environ.get("COMP_WORDS", ""))
        cursor = int(os.environ.get("COMP_CWORD", ""))
    except ValueError:
        return None
    after = words[cursor + 1 :]
    for at, word in enumerate(after):
        if word == "--kb" and at + 1 < len(after):
            return after[at + 1]
        if word.startswith("--kb="):
            return word.removeprefix("--kb=")
    return None


def _starting(words: list[str], incomplete: str) -> list[str]:
    folded = incomplete.casefold()
    return sorted(word for word in words if word.casefold().startswith(folded))


def complete_entry(ctx: typer.Context, incomplete: str) -> list[str]:
    kb = _kb(ctx)
    return _starting(list(kb.entries), incomplete) if kb is not None else []


def complete_locale(ctx: typer.Context, incomplete: str) -> list[str]:
    kb = _kb(ctx)
    return _starting([*kb.locales, *kb.config.fallbacks], incomplete) if kb is not None else []


def complete_tag(ctx: typer.Context, incomplete: str) -> list[str]:
    kb = _kb(ctx)
    tags = {tag for entry in kb.entries.values() for tag in entry.tags} if kb is not None else set()
    return _starting(list(tags), incomplete)


__all__ = ["complete_entry", "complete_locale", "complete_tag"]
