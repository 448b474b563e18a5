"""Process rules: how a document is cleaned and segmented (course field names).

``{"mode": "automatic"|"custom", "rule": {"pre_process_rules": [{"id", "enabled"}],
"segment": {"separators": [...], "chunk_size": int, "chunk_overlap": int}}}``

``chunk_size`` and ``chunk_overlap`` are measured in tokens of the dataset's embedding
model's tokenizer (not characters).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ProcessType(StrEnum):
    AUTOMATIC = "automatic"
    CUSTOM = "custom"


PRE_PROCESS_RULE_IDS = ("remove_extra_space", "remove_url_and_email")

# Separators from coarse to fine. Literal strings with `|` alternatives and the escapes \s \n \t
# \r \x (splitter._compile_separator; never user regular expressions). Sentence punctuation
# stays attached to the sentence it ends (Chinese full-width punctuation needs no following space).
DEFAULT_SEPARATORS = [
    "\n\n",
    "\n",
    "。|！|？|!|\\?|\\.\\s|…",
    "；|;\\s",
    "，|,\\s|、",
    " ",
    "",
]
CHUNK_SIZE_MIN, CHUNK_SIZE_MAX = 100, 1000
DEFAULT_CHUNK_SIZE = 240
DEFAULT_CHUNK_OVERLAP = 24


class ProcessRuleError(ValueError):
    """Invalid process rule; the message is safe to show to the user."""


@dataclass(frozen=True)
class SegmentRule:
    separators: tuple[str, ...] = tuple(DEFAULT_SEPARATORS)
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP


@dataclass(frozen=True)
class ProcessRule:
    mode: ProcessType = ProcessType.AUTOMATIC
    pre_process_rules: dict[str, bool] = field(
        default_factory=lambda: {"remove_extra_space": True, "remove_url_and_email": False}
    )
    segment: SegmentRule = field(default_factory=SegmentRule)

    def enabled(self, rule_id: str) -> bool:
        return bool(self.pre_process_rules.get(rule_id, False))

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "rule": {
                "pre_process_rules": [{"id": k, "enabled": bool(self.pre_process_rules.get(k))} for k in PRE_PROCESS_RULE_IDS],
                "segment": {
                    "separators": list(self.segment.separators),
                    "chunk_size": self.segment.chunk_size,
                    "chunk_overlap": self.segment.chunk_overlap,
                },
            },
        }

    @classmethod
    def automatic(cls) -> ProcessRule:
        return cls()

    @classmethod
    def parse(cls, process_type: str | None, rule: Any) -> ProcessRule:
        """Validate ``process_type`` + ``rule`` as sent by the console."""
        try:
            mode = ProcessType(process_type or ProcessType.AUTOMATIC.value)
        except ValueError:
            raise ProcessRuleError("process_type must be 'automatic' or 'custom'") from None
        if mode is ProcessType.AUTOMATIC:
            return cls.automatic()
        if not isinstance(rule, dict) or not rule:
            raise ProcessRuleError("rule is required when process_type is 'custom'")
        pre = rule.get("pre_process_rules")
        if not isinstance(pre, list):
            raise ProcessRuleError("rule.pre_process_rules must be a list")
        flags: dict[str, bool] = {k: False for k in PRE_PROCESS_RULE_IDS}
        for item in pre:
            if not isinstance(item, dict) or item.get("id") not in PRE_PROCESS_RULE_IDS:
                raise ProcessRuleError(f"pre_process_rules[].id must be one of {', '.join(PRE_PROCESS_RULE_IDS)}")
            if not isinstance(item.get("enabled"), bool):
                raise ProcessRuleError("pre_process_rules[].enabled must be a boolean")
            flags[item["id"]] = item["enabled"]
        seg = rule.get("segment")
        if not isinstance(seg, dict):
            raise ProcessRuleError("rule.segment must be an object")
        seps = seg.get("separators")
        if not isinstance(seps, list) or not seps or not all(isinstance(s, str) for s in seps):
            raise ProcessRuleError("segment.separators must be a non-empty list of strings")
        if len(seps) > 32 or any(len(s) > 64 for s in seps):
            raise ProcessRuleError("segment.separators: at most 32 separators of 64 characters")
        size = seg.get("chunk_size")
        if isinstance(size, bool) or not isinstance(size, int) or not CHUNK_SIZE_MIN <= size <= CHUNK_SIZE_MAX:
            raise ProcessRuleError(f"segment.chunk_size must be an integer between {CHUNK_SIZE_MIN} and {CHUNK_SIZE_MAX}")
        overlap = seg.get("chunk_overlap")
        if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap <= size // 2:
            raise ProcessRuleError(f"segment.chunk_overlap must be an integer between 0 and {size // 2}")
        # de-duplicate separators, keep order
        seps = list(dict.fromkeys(seps))
        return cls(mode, flags, SegmentRule(tuple(seps), size, overlap))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ProcessRule:
        if not data:
            return cls.automatic()
        return cls.parse(data.get("mode"), data.get("rule"))
