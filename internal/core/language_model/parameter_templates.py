"""Default parameter templates referenced from model YAML via `use_template`."""
from __future__ import annotations

from typing import Any

DEFAULT_PARAMETER_TEMPLATES: dict[str, dict[str, Any]] = {
    "temperature": {
        "label": "Temperature",
        "type": "float",
        "help": "Sampling temperature: higher values give more random output.",
        "required": False,
        "default": 1,
        "min": 0,
        "max": 2,
        "precision": 2,
        "options": [],
    },
    "top_p": {
        "label": "Top P",
        "type": "float",
        "help": "Nucleus sampling: only tokens within the top_p probability mass are considered.",
        "required": False,
        "default": 1,
        "min": 0,
        "max": 1,
        "precision": 2,
        "options": [],
    },
    "presence_penalty": {
        "label": "Presence penalty",
        "type": "float",
        "help": "Positive values penalise tokens that already appeared, encouraging new topics.",
        "required": False,
        "default": 0,
        "min": -2,
        "max": 2,
        "precision": 2,
        "options": [],
    },
    "frequency_penalty": {
        "label": "Frequency penalty",
        "type": "float",
        "help": "Positive values penalise tokens by how often they appeared so far.",
        "required": False,
        "default": 0,
        "min": -2,
        "max": 2,
        "precision": 2,
        "options": [],
    },
    "max_tokens": {
        "label": "Max tokens",
        "type": "int",
        "help": "Upper bound on the number of tokens generated.",
        "required": False,
        "default": 1024,
        "min": 1,
        "max": 16384,
        "precision": 0,
        "options": [],
    },
}
