"""Comments: rings of near-duplicate and paraphrased comments posted under different names (issue 19).

One door: :func:`comment_rings` takes a table of comments (``id``, ``author``, ``text``, optional
``thread``, ``parent``, ``time``) and returns a :class:`RingResult` with one row per comment and one
per ring, each ring with its score and its evidence in plain words. Around it:

* :func:`read_comments` / :func:`parse_comments`: CSV or JSON lines in (``FILE:LINE: problem`` errors);
  :func:`comments_from_store`: the replies of a trendtrace store as comments;
* :func:`write_ring_outputs`: ``comments.csv``, ``rings.csv`` and their Parquet twins;
* :func:`agreement_only`: the agreement-only reply rule ("Exactly this.", "Bilkul sahi kaha");
* :func:`similar_pairs`: the candidate search (exact per thread, nearest neighbours in huge threads);
* :mod:`trendtrace.comments.embed`: the offline sentence embeddings (fast static model, MiniLM).

The command is ``trendtrace comments PATH --out DIR`` (:mod:`trendtrace.comments.command`); the method,
its measured accuracy and what it does not show are in ``docs/comments.md``. The models need the
optional extra: ``pip install 'trendtrace[comments]'``. Importing this package loads no model: names
are imported on first use.

>>> from trendtrace.comments import agreement_only
>>> agreement_only("Exactly this."), agreement_only("Exactly, and the budget is fake")
(True, False)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._agree import agreement_only
    from ._input import (COMMENT_FORMATS, COMMENT_SCHEMA, comment_format, comments_from_store, parse_comments,
                         read_comments)
    from ._output import OUTPUT_FILES, write_ring_outputs
    from .rings import (COMMENTS_COLUMNS, RINGS_COLUMNS, Background, RingResult, comment_rings, ring_score,
                        similar_pairs, specificity)

__all__ = [
    "comment_rings", "RingResult", "Background", "ring_score", "specificity", "similar_pairs", "COMMENTS_COLUMNS",
    "RINGS_COLUMNS",
    "read_comments", "parse_comments", "comment_format", "comments_from_store", "COMMENT_SCHEMA", "COMMENT_FORMATS",
    "write_ring_outputs", "OUTPUT_FILES", "agreement_only",
]

_WHERE = {
    "comment_rings": ".rings", "RingResult": ".rings", "Background": ".rings", "ring_score": ".rings",
    "specificity": ".rings",
    "similar_pairs": ".rings", "COMMENTS_COLUMNS": ".rings", "RINGS_COLUMNS": ".rings",
    "read_comments": "._input", "parse_comments": "._input", "comment_format": "._input",
    "comments_from_store": "._input", "COMMENT_SCHEMA": "._input", "COMMENT_FORMATS": "._input",
    "write_ring_outputs": "._output", "OUTPUT_FILES": "._output", "agreement_only": "._agree",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
