"""``replykit serve``: the desk as a local web page and JSON API (needs the ``replykit[serve]`` extra)."""
