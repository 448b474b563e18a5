"""Knowledge-base Celery tasks: thin, take ids, call one IndexingService method.

Tasks are registered by name (`knowledge.*`) so services enqueue them with
`celery.send_task(name, args)` after their commit without importing this module.
"""
from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from flask import current_app


def _service():
    from internal.service.indexing_service import IndexingService

    return current_app.extensions["injector"].get(IndexingService)


@shared_task(name="knowledge.index_next_document", acks_late=True, reject_on_worker_lost=True)
def index_next_document(document_id: str) -> list[str]:
    """One fair-claim token per created document (see DocumentClaims)."""
    return [str(d) for d in _service().index_next_document(document_id)]


@shared_task(name="knowledge.sweep_documents")
def sweep_documents() -> int:
    return _service().sweep()


@shared_task(name="knowledge.sync_document_enabled", acks_late=True)
def sync_document_enabled(document_id: str) -> None:
    _service().sync_document_enabled(document_id)


@shared_task(name="knowledge.reembed_dataset", acks_late=True, reject_on_worker_lost=True)
def reembed_dataset(dataset_id: str, generation: int, old_model: str | None = None) -> int:
    """The dataset's embedding model changed: re-embed its segments (fenced by generation)."""
    return _service().reembed_dataset(dataset_id, generation, old_model)


@shared_task(name="knowledge.delete_document_index", acks_late=True)
def delete_document_index(dataset_id: str, model: str, document_id: str) -> None:
    _service().delete_document_index(dataset_id, model, document_id)


@shared_task(name="knowledge.delete_dataset_index", acks_late=True)
def delete_dataset_index(dataset_id: str, model: str) -> None:
    _service().delete_dataset_index(dataset_id, model)


@shared_task(name="knowledge.delete_upload_files", acks_late=True)
def delete_upload_files(account_id: str, upload_file_ids: list[str]) -> None:
    _service().delete_upload_files(account_id, upload_file_ids)


@worker_ready.connect
def _recover_on_start(sender=None, **kwargs):
    """A restarted worker immediately re-queues documents a dead worker left behind."""
    try:
        sender.app.send_task("knowledge.sweep_documents")
    except Exception:  # noqa: BLE001 - the periodic sweep will catch up
        pass
