"""Builtin tool functions; importing this package registers every one of them."""
from . import calculator, image, search, text, time_tools, weather, web, wikipedia  # noqa: F401
