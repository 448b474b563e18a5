from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class AccountOAuth(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    """A third-party identity (provider + the provider's stable user id) linked to an account.

    Provider access tokens are used once during sign-in and never stored.
    """

    __tablename__ = "account_oauth"
    __table_args__ = (UniqueConstraint("provider", "openid", name="uq_account_oauth_provider_openid"),)

    provider: Mapped[str] = mapped_column(String(64), nullable=False)
    openid: Mapped[str] = mapped_column(String(255), nullable=False)
