from .cleaner import clean_text
from .process_rule import (
    DEFAULT_SEPARATORS,
    PRE_PROCESS_RULE_IDS,
    ProcessRule,
    ProcessRuleError,
    ProcessType,
    SegmentRule,
)
from .splitter import Chunk, SplitBudgetExceeded, TokenTextSplitter, split_document
from .token_counter import CharCounter, HFTokenCounter, TiktokenCounter, TokenCounter, token_counter_for

__all__ = [
    "DEFAULT_SEPARATORS",
    "PRE_PROCESS_RULE_IDS",
    "CharCounter",
    "Chunk",
    "HFTokenCounter",
    "ProcessRule",
    "ProcessRuleError",
    "ProcessType",
    "SegmentRule",
    "SplitBudgetExceeded",
    "TiktokenCounter",
    "TokenCounter",
    "TokenTextSplitter",
    "clean_text",
    "split_document",
    "token_counter_for",
]
