from .base import KeywordIndex
from .local import LocalKeywordIndex
from .tokenizer import tokenize

__all__ = ["KeywordIndex", "LocalKeywordIndex", "tokenize"]
