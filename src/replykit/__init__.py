"""replykit: a git-versioned, CI-checked FAQ knowledge base for multilingual support replies.

The library API: everything the CLI does, Python can do by importing these names.
"""

import importlib
from typing import TYPE_CHECKING, Any

from replykit.errors import KBError, MissingVariablesError, RenderError, ReplykitError, UserError
from replykit.kb.loader import LoadResult, find_kb_root, load_kb, load_kb_report
from replykit.kb.model import Entry, KnowledgeBase

if TYPE_CHECKING:
    from replykit.matching import Match, Matcher, Suggestion, suggest
    from replykit.rendering import RenderedReply, render_reply
    from replykit.values import Money, parse_values

__version__ = "0.1.0"

#: Imported on first use: Jinja and Babel cost ~80 ms that commands not rendering need not pay.
_LAZY = {
    "Money": "replykit.values",
    "parse_values": "replykit.values",
    "RenderedReply": "replykit.rendering",
    "render_reply": "replykit.rendering",
    "Match": "replykit.matching",
    "Matcher": "replykit.matching",
    "Suggestion": "replykit.matching",
    "suggest": "replykit.matching",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'replykit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Entry",
    "KBError",
    "KnowledgeBase",
    "LoadResult",
    "Match",
    "Matcher",
    "MissingVariablesError",
    "Money",
    "RenderError",
    "RenderedReply",
    "ReplykitError",
    "Suggestion",
    "UserError",
    "__version__",
    "find_kb_root",
    "load_kb",
    "load_kb_report",
    "parse_values",
    "render_reply",
    "suggest",
]
