"""Importing this package registers every model on Base.metadata (Alembic needs all of them)."""
import importlib
import pkgutil

from .base import Base


def load_all_models() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


load_all_models()

__all__ = ["Base", "load_all_models"]
