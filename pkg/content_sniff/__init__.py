"""Decide what an uploaded file really is from its bytes, not from its name or the client's
Content-Type. Generic: knows nothing about the platform.

    kind = sniff(data, "report.pdf", allowed=DOCUMENT_TYPES | IMAGE_TYPES)
    kind.extension, kind.mime_type

Raises `UnsupportedContent` with a message that is safe to show to the user.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnsupportedContent(ValueError):
    pass


@dataclass(frozen=True)
class Kind:
    extension: str
    mime_type: str

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


# extension -> canonical mime type. SVG is deliberately absent (script-capable).
IMAGE_TYPES: dict[str, str] = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                               "gif": "image/gif", "webp": "image/webp"}
TEXT_TYPES: dict[str, str] = {"txt": "text/plain", "md": "text/markdown", "markdown": "text/markdown",
                              "csv": "text/csv", "html": "text/html", "htm": "text/html"}
BINARY_DOCUMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
DOCUMENT_TYPES: dict[str, str] = {**TEXT_TYPES, **BINARY_DOCUMENT_TYPES}
# Only these may ever be shown inline by a browser; everything else is served as attachment.
INLINE_SAFE_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

_OOXML_MARKER = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def safe_filename(name: str | None, max_length: int = 200) -> str:
    """The last path component of a client-supplied name, without control or reserved
    characters. For display only: never used to build a storage path."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip().lstrip(".").strip()
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: max_length - len(ext) - 1] + "." + ext) if dot and len(ext) <= 16 else name[:max_length]
    return name


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _allowed_controls(length: int) -> int:
    # Real text carries a few stray control characters (form feeds, ESC, DEL pasted from
    # PDFs); binaries that survive decoding carry them by the hundred.
    return max(16, length // 100)


def _few_controls(text: str) -> bool:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    return controls <= _allowed_controls(len(text))


def is_utf8_text(data: bytes) -> bool:
    """Valid UTF-8 (BOM or not) without NUL and with few control characters."""
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return _few_controls(text)


def is_text(data: bytes) -> bool:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or a legacy encoding that charset-normalizer
    identifies confidently (GB18030/GBK, Big5, ...); never with NUL bytes or more than a few
    control characters."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
            return True
        except UnicodeDecodeError:
            return False
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            return False
        text = str(best)
    return _few_controls(text)


_BMP_DIB_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def is_bmp(data: bytes) -> bool:
    """A real BMP header, not merely text that starts with "BM" (BMI-1, BMAL1, BMP/SMAD...)."""
    if len(data) < 26 or data[:2] != b"BM":
        return False
    file_size = int.from_bytes(data[2:6], "little")
    pixel_offset = int.from_bytes(data[10:14], "little")
    dib_size = int.from_bytes(data[14:18], "little")
    return dib_size in _BMP_DIB_HEADER_SIZES and 14 + dib_size <= pixel_offset and (file_size == 0 or pixel_offset <= file_size)


def _is_binary_format(guess, data: bytes) -> bool:
    """filetype's guess, minus its false positives on text (a two-byte "BM" magic)."""
    if guess is None:
        return False
    if guess.mime == "image/bmp":
        return is_bmp(data)
    return True


def _sniff_binary(data: bytes, extension: str) -> bool:
    if extension == "pdf":
        return data.lstrip(b"\r\n\t ")[:5] == b"%PDF-"
    if extension in _OOXML_MARKER:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return _OOXML_MARKER[extension] in archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
    if extension in ("doc", "xls"):
        return data.startswith(OLE2_MAGIC)
    return False


def sniff(data: bytes, filename: str, allowed: dict[str, str]) -> Kind:
    """Classify `data`; the file name's extension chooses the expected family, the bytes decide."""
    if not data:
        raise UnsupportedContent("the file is empty")
    extension = extension_of(filename)
    allowed_list = "/".join(sorted(allowed))
    if extension not in allowed:
        label = f".{extension} files are" if extension else "files without an extension are"
        raise UnsupportedContent(f"{label} not allowed; allowed types: {allowed_list}")

    guess = filetype.guess(data[:8192])
    if extension in IMAGE_TYPES:
        if guess is None or guess.mime not in INLINE_SAFE_MIME_TYPES:
            raise UnsupportedContent(f"the content is not a {extension} image")
        canonical = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}[guess.mime]
        if canonical not in allowed:
            raise UnsupportedContent(f"the content is not a {extension} image")
        # A .png that really is a JPEG is still a JPEG: trust the bytes, keep the real type.
        return Kind(extension if IMAGE_TYPES[extension] == guess.mime else canonical, guess.mime)
    if extension in TEXT_TYPES:
        # Valid UTF-8 is text whatever its first bytes look like (issue 9, F17): magic numbers
        # only decide for bytes that are not UTF-8 (legacy encodings vs binaries).
        if not is_utf8_text(data) and (_is_binary_format(guess, data) or not is_text(data)):
            raise UnsupportedContent(f"the content is not a text .{extension} file")
        return Kind(extension, TEXT_TYPES[extension])
    if extension in BINARY_DOCUMENT_TYPES:
        if not _sniff_binary(data, extension):
            raise UnsupportedContent(f"the content is not a valid .{extension} file")
        return Kind(extension, BINARY_DOCUMENT_TYPES[extension])
    raise UnsupportedContent(f".{extension} files are not allowed; allowed types: {allowed_list}")
