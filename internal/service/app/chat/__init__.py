"""Chat turns of apps on every surface (issue 11 §4): see chat_turns.py and chat_service.py."""
