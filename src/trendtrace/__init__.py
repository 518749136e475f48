"""trendtrace: tell whether a social-media trend is organic or manufactured, and show the evidence."""

__version__ = "0.1.0"
__all__ = ["__version__"]
