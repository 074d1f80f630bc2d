"""Write draft KB entries for the biggest gaps: a head start for the author, never a reply.

Each draft is ``kb/<id>.yaml`` with ``draft: true`` and the gap's own messages as its questions
(per language, personal data masked), and ``templates/<source>/<id>.j2`` saying it is a draft.
``replykit lint`` warns about drafts and ``suggest`` never offers one as a confident answer, so a
draft can be merged into the KB before anyone has written the reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from replykit.errors import UserError
from replykit.insights.gaps import Gap
from replykit.insights.masking import mask_personal_data
from replykit.l10n import normalize_locale
from replykit.userfiles import write_user_file


def _free_id(root: Path, wanted: str, source_locale: str) -> str:
    candidate, n = wanted, 2
    templates = root / "templates" / source_locale
    while (root / "kb" / f"{candidate}.yaml").exists() or (templates / f"{candidate}.j2").exists():
        candidate, n = f"{wanted}-{n}", n + 1
    return candidate


def _locale_key(locale: str) -> str | None:
    try:
        return normalize_locale(locale)
    except Exception:
        return None


def write_drafts(
    root: Path, gaps: Sequence[Gap], *, source_locale: str, limit: int = 5, mask: bool = True
) -> list[Path]:
    """Write up to ``limit`` drafts (biggest gaps first) below ``root``; returns the entry files written."""
    if root.exists() and not root.is_dir():
        raise UserError(f"{root}: --draft needs a folder (the KB root, or an empty folder to review drafts in)")
    written: list[Path] = []
    for gap in list(gaps)[:limit]:
        entry_id = _free_id(root, gap.id, source_locale)
        questions: dict[str, list[str]] = {}
        for locale, texts in gap.questions.items():
            key = _locale_key(locale) or source_locale
            bucket = questions.setdefault(key, [])
            for text in texts:
                shown = " ".join((mask_personal_data(text) if mask else text).split())
                if shown and shown not in bucket:
                    bucket.append(shown)
        near = f"{gap.nearest[0]} ({gap.nearest[1]:.2f})" if gap.nearest else "none"
        header = (
            f"# Draft written by `replykit insights` from a gap of {gap.size} messages"
            f" ({', '.join(gap.locales)}); nearest existing entry: {near}.\n"
            "# Review the questions, write the reply template, then remove `draft: true`.\n"
        )
        body = yaml.safe_dump(
            {"id": entry_id, "draft": True, "tags": ["draft"], "questions": questions},
            allow_unicode=True, sort_keys=False, width=200,
        )
        entry_path = root / "kb" / f"{entry_id}.yaml"
        write_user_file(entry_path, (header + body).encode("utf-8"))
        template = (
            "{# DRAFT from replykit insights: write the reply, then remove draft: true from the entry. #}\n"
            f"DRAFT: no reply has been written for '{entry_id}' yet.\n"
        )
        write_user_file(root / "templates" / source_locale / f"{entry_id}.j2", template.encode("utf-8"))
        written.append(entry_path)
    return written
