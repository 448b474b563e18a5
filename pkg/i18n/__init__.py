from .i18n import translate_message, translate_validation

__all__ = ["translate_message", "translate_validation"]
