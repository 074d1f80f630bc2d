"""Whether the model files suggest relies on are there and readable (for `replykit check`)."""

from __future__ import annotations


def model_problems() -> list[str]:
    """One sentence per model file that is missing or unreadable: the meaning table and fastText's
    language-id model. Empty when both load."""
    from replykit import langid
    from replykit.matching.semantic import ModelUnavailable, load_embedder

    problems: list[str] = []
    try:
        load_embedder()
    except ModelUnavailable as e:
        problems.append(str(e))
    problem = langid.model_problem()
    if problem is not None:
        problems.append(problem)
    return problems
