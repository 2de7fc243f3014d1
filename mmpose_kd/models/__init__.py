from . import connectors, distillers, heads, losses  # noqa: F401
