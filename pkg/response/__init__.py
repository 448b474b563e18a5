from .http_code import HttpCode
from .response import envelope, json, success_json, success_message

__all__ = ["HttpCode", "envelope", "json", "success_json", "success_message"]
