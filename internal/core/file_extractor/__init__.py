"""Turn uploaded files into plain text (txt, md, html, pdf, docx, csv, xlsx)."""
from .extractor import (
    SUPPORTED_EXTENSIONS,
    ExtractedDocument,
    FileExtractionError,
    UnsupportedFileTypeError,
    decode_text,
    extract_bytes,
    extract_file,
)

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "ExtractedDocument",
    "FileExtractionError",
    "UnsupportedFileTypeError",
    "decode_text",
    "extract_bytes",
    "extract_file",
]
