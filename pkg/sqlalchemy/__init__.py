from .sqlalchemy import SQLAlchemy
from .utc_datetime import UTCDateTime

__all__ = ["SQLAlchemy", "UTCDateTime"]
