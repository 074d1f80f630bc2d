"""Whether the model files suggest relies on are there and readable (for `replykit check`)."""

from __future__ import annotations


def model_problems() -> list[str]:
    """One sentence per model file that is missing or unreadable: the meaning table, fastText's
    language-id model and the multilingual encoder of the ``multilingual`` extra. Empty when all are
    there."""
    from replykit import langid
    from replykit.matching.encoder import encoder_problem
    from replykit.matching.semantic import ModelUnavailable, load_embedder

    problems: list[str] = []
    try:
        load_embedder()
    except ModelUnavailable as e:
        problems.append(str(e))
    problem = langid.model_problem()
    if problem is not None:
        problems.append(problem)
    missing = encoder_problem()
    if missing is not None:
        problems.append(missing)
    return problems
