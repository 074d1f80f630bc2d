"""replykit: a git-versioned, CI-checked FAQ knowledge base for multilingual support replies.

The library API: everything the CLI does, Python can do by importing these names.
"""

from replykit.errors import KBError, MissingVariablesError, RenderError, ReplykitError, UserError
from replykit.kb.loader import LoadResult, find_kb_root, load_kb, load_kb_report
from replykit.kb.model import Entry, KnowledgeBase

__version__ = "0.1.0"

__all__ = [
    "Entry",
    "KBError",
    "KnowledgeBase",
    "LoadResult",
    "MissingVariablesError",
    "RenderError",
    "ReplykitError",
    "UserError",
    "__version__",
    "find_kb_root",
    "load_kb",
    "load_kb_report",
]
