"""``python -m trendtrace``: the same command line as ``trendtrace``."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
