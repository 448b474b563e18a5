"""Console side of builtin tools: providers, categories, one tool, icons (public), and the
account's encrypted credentials per provider (secrets never returned in full)."""
from __future__ import annotations

import json
import mimetypes
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.core.tools.builtin import BuiltinCatalog
from internal.core.tools.builtin.catalog import ProviderSpec
from internal.exception import NotFoundException, ValidateErrorException
from internal.model.builtin_tool import BuiltinToolCredential
from internal.service.language_model_service import mask_secret
from pkg.crypto import Encryptor
from pkg.sqlalchemy import SQLAlchemy

MAX_CREDENTIAL_LENGTH = 4096


def icon_url(provider_name: str) -> str:
    # relative to the console API prefix, as the console builds its <img> URLs
    return f"/builtin-tools/{provider_name}/icon"


@inject
@dataclass
class BuiltinToolService:
    db: SQLAlchemy
    catalog: BuiltinCatalog
    encryptor: Encryptor

    # -- catalog -----------------------------------------------------------------------------
    def get_builtin_tools(self) -> list[dict[str, Any]]:
        return [self.catalog.provider_dict(p, icon_url(p.name)) for p in self.catalog.providers.values()]

    def get_categories(self) -> list[dict[str, Any]]:
        return self.catalog.categories_list()

    def get_provider_tool(self, provider_name: str, tool_name: str) -> dict[str, Any]:
        found = self.catalog.tool(provider_name, tool_name)
        if found is None:
            raise NotFoundException("tool not found")
        provider, tool = found
        return self.catalog.tool_dict(provider, tool, icon_url(provider.name))

    def get_provider_icon(self, provider_name: str) -> tuple[Path, str]:
        path = self.catalog.icon_path(provider_name)
        if path is None or not path.is_file():
            raise NotFoundException("icon not found")
        return path, mimetypes.guess_type(path.name)[0] or "application/octet-stream"

    # -- credentials -------------------------------------------------------------------------
    def _provider(self, provider_name: str) -> ProviderSpec:
        provider = self.catalog.provider(provider_name)
        if provider is None:
            raise NotFoundException("provider not found")
        return provider

    def _row(self, account_id: uuid.UUID, provider_name: str) -> BuiltinToolCredential | None:
        return self.db.session.scalar(select(BuiltinToolCredential).where(
            BuiltinToolCredential.account_id == account_id, BuiltinToolCredential.provider == provider_name))

    def get_credentials(self, account_id: uuid.UUID, provider_name: str) -> dict[str, Any]:
        provider = self._provider(provider_name)
        row = self._row(account_id, provider_name)
        return {"provider": provider.name, "fields": [f.name for f in provider.credentials],
                "configured": row is not None, "config": json.loads(row.masked_config) if row else {},
                "updated_at": int(row.updated_at.timestamp()) if row else 0}

    def set_credentials(self, account_id: uuid.UUID, provider_name: str, config: dict[str, Any]) -> dict[str, Any]:
        provider = self._provider(provider_name)
        if not provider.credentials:
            raise ValidateErrorException(f"{provider_name} needs no credentials")
        fields = {f.name: f for f in provider.credentials}
        unknown = sorted(set(config) - set(fields))
        if unknown:
            raise ValidateErrorException(f"unknown credential field(s): {', '.join(unknown)}")
        clean: dict[str, str] = {}
        for name, spec in fields.items():
            value = config.get(name)
            if value is not None and not isinstance(value, str):
                raise ValidateErrorException(f"{name}: must be a string")
            value = (value or "").strip()
            if len(value) > MAX_CREDENTIAL_LENGTH:
                raise ValidateErrorException(f"{name}: at most {MAX_CREDENTIAL_LENGTH} characters")
            if spec.required and not value:
                raise ValidateErrorException(f"{name}: field required")
            if value:
                clean[name] = value
        masked = {k: (mask_secret(v) if fields[k].type == "secret" else v) for k, v in clean.items()}
        with self.db.auto_commit():
            row = self._row(account_id, provider_name)
            if row is None:
                row = BuiltinToolCredential(account_id=account_id, provider=provider_name, encrypted_config="")
                self.db.session.add(row)
            row.encrypted_config = self.encryptor.encrypt(json.dumps(clean))
            row.masked_config = json.dumps(masked)
        return self.get_credentials(account_id, provider_name)

    def delete_credentials(self, account_id: uuid.UUID, provider_name: str) -> None:
        self._provider(provider_name)
        with self.db.auto_commit():
            row = self._row(account_id, provider_name)
            if row is None:
                raise NotFoundException("no credentials stored for this provider")
            self.db.session.delete(row)

    def credentials_for(self, account_id: uuid.UUID, provider_name: str) -> dict[str, str]:
        """Decrypted credentials for a call (empty when none are stored or they cannot be read)."""
        row = self._row(account_id, provider_name)
        if row is None:
            return {}
        try:
            return json.loads(self.encryptor.decrypt(row.encrypted_config))
        except Exception:  # key rotated or corrupted row: behave as if not configured
            return {}
