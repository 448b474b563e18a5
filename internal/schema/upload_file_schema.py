"""Upload file responses (field names as the course backend and llmops-ui `models/upload-file.ts`)."""
from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class UploadFileResp(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    name: str = Field(description="the client's file name, sanitized; display only")
    key: str = Field(description="server-generated storage key")
    size: int = Field(description="bytes")
    extension: str
    mime_type: str = Field(description="detected from the content, not from the client")
    hash: str = Field(description="sha256 of the content (hex)")
    created_at: int = Field(description="UNIX seconds")

    @classmethod
    def from_model(cls, row) -> UploadFileResp:
        return cls(id=row.id, account_id=row.account_id, name=row.name, key=row.key, size=row.size,
                   extension=row.extension, mime_type=row.mime_type, hash=row.hash,
                   created_at=int(row.created_at.timestamp()))


class UploadImageResp(BaseModel):
    id: uuid.UUID = Field(description="the upload file id of the image")
    image_url: str = Field(description="a stable, signed URL that <img> can load without a token")


class UploadFileContentQuery(BaseModel):
    # base64url only: anything else is a validation error, never a 500 in the comparison (issue 9, F9)
    signature: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9_-]*$",
                                  description="from image_url; without it a console JWT is required")
