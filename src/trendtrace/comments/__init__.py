"""Comments: near-duplicate and paraphrased comments posted by many accounts (issue 19).

The stage is being built; so far it holds :mod:`trendtrace.comments.embed`, the offline sentence
embeddings (a fast static model distilled from all-MiniLM-L6-v2, and MiniLM itself) that the future
``trendtrace comments`` command will compare comments with. It needs the optional extra:
``pip install 'trendtrace[comments]'``.
"""
