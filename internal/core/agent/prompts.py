"""Prompt texts of the agent runtime (ours; tune here, nowhere else)."""
from __future__ import annotations

SYSTEM_PROMPT = """You are an AI assistant configured by the user. Follow the preset instructions, \
use the tools you are given when they help, keep answers accurate and concise.

<preset_prompt>
{preset_prompt}
</preset_prompt>
{long_term_memory_block}"""

LONG_TERM_MEMORY_BLOCK = """
<long_term_memory>
A summary of the earlier conversation:
{summary}
</long_term_memory>
"""

SUPERVISOR_PROMPT = """You coordinate specialist agents. Hand each sub-task to the specialist whose \
description fits it (call it with the message it should work on), combine their results, and \
answer the user yourself. Specialists: {delegates}.

"""

REACT_PROTOCOL = """
You can use these tools:
{tools}

To use a tool, reply in exactly this format and stop:
Thought: why the tool is needed
Action: the tool name, one of [{tool_names}]
Action Input: the arguments as one JSON object

You will then receive "Observation: <the tool's result>". When you can answer, reply:
Thought: what you concluded
Final Answer: the answer to the user
"""

SUMMARY_PROMPT = """Update the running summary of a conversation with its latest exchange. Keep \
facts, names, preferences and open questions; drop small talk. Answer with the new summary only.

Current summary:
{summary}

User: {human}
Assistant: {ai}
"""

MAX_ITERATIONS_ANSWER = ("The agent reached its step limit before finishing. Please try again or "
                         "ask a narrower question.")
