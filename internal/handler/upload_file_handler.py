"""POST /upload-files/file, POST /upload-files/image (multipart field `file`), and
GET /upload-files/<id>/content to read a file back."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, request, stream_with_context, url_for
from flask_login import current_user, login_required
from injector import inject

from internal.exception import UnauthorizedException, ValidateErrorException
from internal.handler.validation import OPENAPI_ATTR, document, validate
from internal.schema.upload_file_schema import UploadFileContentQuery, UploadFileResp, UploadImageResp
from internal.service.upload_file_service import UploadFileService
from pkg.response import success_json

CHUNK = 64 * 1024


def multipart(response, summary: str, fields: tuple[str, ...] = ("file",)):
    """Document a multipart/form-data route in /openapi.json (the body is not JSON, so
    @validate(body=...) does not apply)."""

    def decorator(fn):
        setattr(fn, OPENAPI_ATTR, {"body": None, "query": None, "response": response, "summary": summary,
                                   "multipart": list(fields)})
        return fn

    return decorator


def optional_login(fn):
    """Document that a route takes the console JWT but also works without it (signed URLs)."""
    setattr(fn, OPENAPI_ATTR, {**getattr(fn, OPENAPI_ATTR, {}), "auth": "optional"})
    return fn


def _uploaded_file():
    file = request.files.get("file")
    if file is None:
        raise ValidateErrorException("file: a file is required (multipart field 'file')",
                                     data={"errors": [{"field": "file", "message": "required"}]})
    return file


@inject
@dataclass
class UploadFileHandler:
    upload_file_service: UploadFileService

    @login_required
    @multipart(UploadFileResp, "Upload a document or image (multipart field `file`)")
    def upload_file(self):
        file = _uploaded_file()
        row = self.upload_file_service.upload(current_user.id, file.filename, file.stream)
        return success_json(UploadFileResp.from_model(row).model_dump(mode="json"))

    @login_required
    @multipart(UploadImageResp, "Upload an image (jpg/png/gif/webp); returns a stable image_url")
    def upload_image(self):
        file = _uploaded_file()
        row = self.upload_file_service.upload(current_user.id, file.filename, file.stream, only_image=True)
        image_url = url_for("console.upload_file_content", upload_file_id=row.id,
                            signature=self.upload_file_service.signature(row.id), _external=True)
        return success_json(UploadImageResp(id=row.id, image_url=image_url).model_dump(mode="json"))

    @document(produces=("*/*",))  # the file itself, or the JSON envelope of an error
    @optional_login
    @validate(query=UploadFileContentQuery)
    def content(self, upload_file_id: uuid.UUID, query: UploadFileContentQuery):
        """Read a file back: with the signature from image_url, or as its owner (console JWT)."""
        if query.signature:
            row = self.upload_file_service.get_by_signature(upload_file_id, query.signature)
        else:
            if not current_user.is_authenticated:  # the console middleware raises for bad tokens
                raise UnauthorizedException()
            row = self.upload_file_service.get_owned(upload_file_id, current_user.id)
        stream = self.upload_file_service.open(row)

        def chunks():
            try:
                while chunk := stream.read(CHUNK):
                    yield chunk
            finally:
                stream.close()

        inline = self.upload_file_service.is_inline_safe(row)
        response = Response(stream_with_context(chunks()),
                            mimetype=row.mime_type if inline else _download_mime(row.mime_type))
        response.headers["Content-Length"] = str(row.size)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        disposition = "inline" if inline else "attachment"
        ascii_name = row.name.encode("ascii", "ignore").decode().replace('"', "") or f"file.{row.extension}"
        response.headers["Content-Disposition"] = (f'{disposition}; filename="{ascii_name}"; '
                                                   f"filename*=UTF-8''{quote(row.name)}")
        response.headers["Cache-Control"] = "private, max-age=86400" if inline else "private, no-store"
        response.set_etag(row.hash)
        return response


def _download_mime(mime_type: str) -> str:
    # Text formats that a browser could render (HTML) go out as plain bytes.
    return "application/octet-stream" if mime_type.startswith("text/") else mime_type
