from .sqlalchemy import SQLAlchemy

__all__ = ["SQLAlchemy"]
