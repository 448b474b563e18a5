"""Fake OpenAI-compatible upstream server (see server.py for the behaviour tokens)."""
from .server import Behavior, embedding_for, main, serve

__all__ = ["Behavior", "embedding_for", "main", "serve"]
