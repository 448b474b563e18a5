"""Knowledge-base enums and constants (course names)."""
from enum import StrEnum

DEFAULT_DATASET_DESCRIPTION_FORMATTER = "当你需要回答关于《{name}》的问题时，可以引用该知识库。"
DEFAULT_DATASET_ICON = ""
MAX_UPLOAD_FILES_PER_REQUEST = 10
DOCUMENT_EXTENSIONS = ("txt", "md", "markdown", "html", "htm", "pdf", "docx", "csv", "xlsx")


class DocumentStatus(StrEnum):
    WAITING = "waiting"
    PARSING = "parsing"
    SPLITTING = "splitting"
    INDEXING = "indexing"
    COMPLETED = "completed"
    ERROR = "error"


IN_PROGRESS_STATUSES = (DocumentStatus.PARSING.value, DocumentStatus.SPLITTING.value, DocumentStatus.INDEXING.value)


class DatasetEmbeddingStatus(StrEnum):
    READY = "ready"
    REINDEXING = "reindexing"  # the embedding model changed; segments are being re-embedded


class SegmentStatus(StrEnum):
    WAITING = "waiting"
    INDEXING = "indexing"
    COMPLETED = "completed"
    ERROR = "error"


class RetrievalSource(StrEnum):
    HIT_TESTING = "hit_testing"
    APP = "app"
