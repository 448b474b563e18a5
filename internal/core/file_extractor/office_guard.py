"""Caps of our own on office files (DOCX, XLSX: zip archives of XML), checked before a parser
library touches them (issue 9, F16).

A 300 KB upload can hold a 300 MB text node (deflate compresses repetition ~1000:1) or an XML
entity bomb ("billion laughs"). The libraries read every part whole into memory, so the
archive is inspected first, from its central directory and by streaming each XML part:
- at most MAX_MEMBERS parts, no part over MAX_XML_PART_BYTES (XML) / MAX_PART_BYTES (media),
  at most MAX_TOTAL_BYTES uncompressed in all. Python's zipfile never inflates a member past
  its declared size (a member that lies fails its CRC), so the declared sizes bound memory;
- no document type declaration in any XML part: OOXML never needs a DTD, and without one no
  entity can be defined, so nothing can be expanded (python-docx also parses with
  resolve_entities=False and lxml's huge_tree off).
"""
from __future__ import annotations

import io
import zipfile

MAX_MEMBERS = 5_000
MAX_XML_PART_BYTES = 20 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
_CHUNK = 1024 * 1024
_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _MARKERS)


class OfficeFileRefused(ValueError):
    """The archive breaks one of our caps; the message is safe to show to the user."""


def _mb(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def _is_xml_part(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            window = tail + chunk
            if any(marker in window for marker in _MARKERS):
                return True
            tail = window[-_OVERLAP:]
    return False


def check_office_archive(data: bytes, label: str) -> None:
    """Raise OfficeFileRefused (user-safe message) unless `data` is within our caps.
    Not a zip at all: left to the parser, which reports the file as unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise OfficeFileRefused(f"the {label} file has too many parts (over {MAX_MEMBERS})")
        total = 0
        for info in members:
            limit = MAX_XML_PART_BYTES if _is_xml_part(info.filename) else MAX_PART_BYTES
            if info.file_size > limit:
                raise OfficeFileRefused(f"the {label} file has a part larger than {_mb(limit)} when decompressed")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise OfficeFileRefused(f"the {label} file is larger than {_mb(MAX_TOTAL_BYTES)} when decompressed")
        for info in members:
            if not _is_xml_part(info.filename):
                continue
            try:
                has_dtd = _has_dtd(archive, info)
            # what zipfile raises for damaged or unsupported members (NotImplementedError: unknown
            # compression method, RuntimeError: encrypted member): all a clear document error
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                raise OfficeFileRefused(f"the {label} file is damaged (a part could not be decompressed)") from exc
            if has_dtd:
                raise OfficeFileRefused(f"the {label} file declares an XML document type (DTD), which office "
                                        "files never need; it was refused for safety")
