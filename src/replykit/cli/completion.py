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
    try:
        return load_kb(Path(given) if given else None)
    except (UserError, OSError):
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
