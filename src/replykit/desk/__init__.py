"""The agent's desk: a message in, the ranked entries and the finished reply out, with the KB kept loaded.

``replykit suggest``, ``replykit desk`` (terminal) and ``replykit serve`` (browser) all answer
through :class:`Desk`, so the three show the same entries, values and reply text.
"""

from replykit.desk.answering import Answer, Desk

__all__ = ["Answer", "Desk"]
