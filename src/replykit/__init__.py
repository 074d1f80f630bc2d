"""replykit: a git-versioned, CI-checked FAQ knowledge base for multilingual support replies.

The library API: everything the CLI does, Python can do by importing these names.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replykit.errors import KBError, MissingVariablesError, RenderError, ReplykitError, UserError
    from replykit.kb.loader import LoadResult, find_kb_root, load_kb, load_kb_report
    from replykit.kb.model import Entry, KnowledgeBase
    from replykit.matching import Match, Matcher, Suggestion, suggest
    from replykit.rendering import RenderedReply, compose_replies, render_reply
    from replykit.values import Money, parse_values

__version__ = "0.1.0"

#: Every name is imported on first use (PEP 562): a process pays only for what it touches, so
#: `replykit suggest` loads neither Jinja nor the lint rules, and `replykit --help` not even YAML.
_LAZY = {
    "KBError": "replykit.errors",
    "MissingVariablesError": "replykit.errors",
    "RenderError": "replykit.errors",
    "ReplykitError": "replykit.errors",
    "UserError": "replykit.errors",
    "LoadResult": "replykit.kb.loader",
    "find_kb_root": "replykit.kb.loader",
    "load_kb": "replykit.kb.loader",
    "load_kb_report": "replykit.kb.loader",
    "Entry": "replykit.kb.model",
    "KnowledgeBase": "replykit.kb.model",
    "Money": "replykit.values",
    "parse_values": "replykit.values",
    "RenderedReply": "replykit.rendering",
    "render_reply": "replykit.rendering",
    "compose_replies": "replykit.rendering",
    "Match": "replykit.matching",
    "Matcher": "replykit.matching",
    "Suggestion": "replykit.matching",
    "suggest": "replykit.matching",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'replykit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "compose_replies",
    "find_kb_root",
    "load_kb",
    "load_kb_report",
    "parse_values",
    "render_reply",
    "suggest",
]
