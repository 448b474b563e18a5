"""Append-only, multi-process-safe on-disk shards (one directory per dataset).

Layout of ``<root>/<dataset_id>/``::

    manifest.json              {"version", "account_id", "parts": [{"name", "flags", "rows"}]}
    <part>.ids.npy             segment ids (unicode), immutable
    <part>.doc.npy             int32 row -> index into <part>.docs.npy, immutable
    <part>.docs.npy            distinct document ids of the part, immutable
    <part>.<payload files>     written by the subclass (vectors, postings), immutable
    <part>.flags.<version>.npy uint8 per row: 1 alive | 2 segment enabled | 4 document enabled
    .lock                      fcntl lock serialising writers

Writers (Celery workers) take the exclusive lock, write new immutable files, then atomically
``os.replace`` the manifest. Readers (web processes) never lock: each query stats the manifest
and reloads only what changed (parts are cached by name, flags by file name), so a reader
always sees one consistent version and picks up a writer's commit on its next query.
Replaced files are garbage-collected after a grace period; a reader that loses the race
simply reloads. Parts are merged (compaction) when there are too many or too many dead rows.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pkg.cooperative import native_lock

ALIVE, SEG_ENABLED, DOC_ENABLED = 1, 2, 4
VISIBLE = ALIVE | SEG_ENABLED | DOC_ENABLED
GC_GRACE_SECONDS = 120
MAX_PARTS = 12
MAX_DEAD_RATIO = 0.3


@dataclass
class Part:
    name: str
    ids: np.ndarray
    doc_idx: np.ndarray
    docs: np.ndarray
    payload: dict
    flags: np.ndarray
    flags_file: str
    _id_pos: dict | None = field(default=None, repr=False)
    _doc_pos: dict | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return len(self.ids)

    def id_positions(self) -> dict:
        if self._id_pos is None:
            self._id_pos = {s: i for i, s in enumerate(self.ids.tolist())}
        return self._id_pos

    def doc_positions(self) -> dict:
        if self._doc_pos is None:
            self._doc_pos = {s: i for i, s in enumerate(self.docs.tolist())}
        return self._doc_pos

    def row_mask(self, document_ids: Sequence[str] | None, include_disabled: bool) -> np.ndarray:
        if include_disabled:
            mask = (self.flags & ALIVE) == ALIVE
        else:
            mask = (self.flags & VISIBLE) == VISIBLE
        if document_ids is not None:
            pos = self.doc_positions()
            codes = [pos[d] for d in document_ids if d in pos]
            if not codes:
                return np.zeros(self.rows, dtype=bool)
            mask &= np.isin(self.doc_idx, np.asarray(codes, dtype=np.int32))
        return mask


@dataclass
class Shard:
    dataset_id: str
    account_id: str
    version: int
    parts: list[Part]


class ShardedStore(ABC):
    """Base class; subclasses define how payloads are written/loaded/merged."""

    payload_suffixes: tuple[str, ...] = ()

    def __init__(self, root: str | Path, fsync: bool = True):
        #: fsync data files before publishing the manifest (protects against power loss;
        #: a killed process is safe either way because files are published by rename)
        self.fsync = fsync
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._cache_lock = native_lock()  # searches take it on gevent's native threads (pkg.cooperative)
        self._shards: dict[str, tuple[tuple, Shard]] = {}
        self._parts: dict[tuple[str, str], Part] = {}

    # -- subclass hooks ---------------------------------------------------------------
    @abstractmethod
    def _write_payload(self, directory: Path, name: str, payload: dict) -> None:
        ...

    @abstractmethod
    def _load_payload(self, directory: Path, name: str) -> dict:
        ...

    @abstractmethod
    def _merge_payloads(self, parts: list[tuple[Part, np.ndarray]]) -> dict:
        """Concatenate the rows selected by each boolean mask into one payload."""
        ...

    # -- paths / locking --------------------------------------------------------------
    def _dir(self, dataset_id: str) -> Path:
        ds = str(dataset_id)
        if not ds or "/" in ds or ds.startswith("."):
            raise ValueError("invalid dataset id")
        return self.root / ds

    @contextmanager
    def _write_lock(self, dataset_id: str):
        d = self._dir(dataset_id)
        d.mkdir(parents=True, exist_ok=True)
        with open(d / ".lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield d
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # -- reading ----------------------------------------------------------------------
    def _manifest_key(self, d: Path):
        try:
            st = os.stat(d / "manifest.json")
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load_shard(self, dataset_id: str) -> Shard | None:
        d = self._dir(dataset_id)
        for _ in range(5):
            key = self._manifest_key(d)
            if key is None:
                with self._cache_lock:
                    self._shards.pop(str(dataset_id), None)
                return None
            with self._cache_lock:
                cached = self._shards.get(str(dataset_id))
            if cached and cached[0] == key:
                return cached[1]
            try:
                shard = self._read_shard(d, str(dataset_id))
            except FileNotFoundError:
                time.sleep(0.01)  # a writer replaced files under us: retry with the new manifest
                continue
            with self._cache_lock:
                self._shards[str(dataset_id)] = (key, shard)
            return shard
        raise RuntimeError(f"could not load index shard {dataset_id}")

    def _read_shard(self, d: Path, dataset_id: str) -> Shard:
        manifest = json.loads((d / "manifest.json").read_text())
        parts = []
        for p in manifest["parts"]:
            parts.append(self._load_part(d, p["name"], p["flags"]))
        live = {p.name for p in parts}
        with self._cache_lock:  # forget parts no longer referenced (merged by compaction)
            for k in [k for k in self._parts if k[0] == str(d) and k[1] not in live]:
                del self._parts[k]
        return Shard(dataset_id, manifest["account_id"], manifest["version"], parts)

    def _load_part(self, d: Path, name: str, flags_file: str) -> Part:
        key = (str(d), name)
        with self._cache_lock:
            base = self._parts.get(key)
        if base is None:
            base = Part(
                name=name,
                ids=np.load(d / f"{name}.ids.npy"),
                doc_idx=np.load(d / f"{name}.doc.npy"),
                docs=np.load(d / f"{name}.docs.npy"),
                payload=self._load_payload(d, name),
                flags=np.zeros(0, dtype=np.uint8),
                flags_file="",
            )
            with self._cache_lock:
                self._parts[key] = base
        if base.flags_file == flags_file:
            return base
        flags = np.load(d / flags_file)
        part = Part(base.name, base.ids, base.doc_idx, base.docs, base.payload, flags, flags_file, base._id_pos, base._doc_pos)
        with self._cache_lock:
            self._parts[key] = part
        return part

    def cached_rows(self, dataset_ids: Iterable[str]) -> int | None:
        """Rows (alive or not) of these datasets' shards as last loaded by this process, without
        touching the disk; None when one of them was never loaded (its load is file I/O)."""
        rows = 0
        with self._cache_lock:
            for ds in dict.fromkeys(str(x) for x in dataset_ids):
                cached = self._shards.get(ds)
                if cached is None:
                    return None
                rows += sum(p.rows for p in cached[1].parts)
        return rows

    def shards_for(self, account_id: str, dataset_ids: Iterable[str]) -> list[Shard]:
        out = []
        for ds in dict.fromkeys(str(x) for x in dataset_ids):
            shard = self.load_shard(ds)
            # tenant isolation inside the store: a shard of another account is invisible
            if shard is not None and shard.account_id == str(account_id):
                out.append(shard)
        return out

    # -- writing ----------------------------------------------------------------------
    def _current(self, d: Path, dataset_id: str) -> Shard | None:
        if not (d / "manifest.json").exists():
            return None
        return self._read_shard(d, dataset_id)

    def _save_flags(self, d: Path, name: str, version: int, flags: np.ndarray) -> str:
        fname = f"{name}.flags.{version}.npy"
        _atomic_save(d / fname, flags, self.fsync)
        return fname

    def _commit(self, d: Path, account_id: str, version: int, entries: list[dict]) -> None:
        manifest = {"version": version, "account_id": account_id, "parts": entries, "updated_at": time.time()}
        tmp = d / f"manifest.json.{uuid.uuid4().hex}.tmp"
        with open(tmp, "w") as fh:
            json.dump(manifest, fh)
            fh.flush()
            if self.fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, d / "manifest.json")
        self._gc(d, entries)

    def _gc(self, d: Path, entries: list[dict]) -> None:
        live = set()
        for e in entries:
            live.add(e["flags"])
            live.update(f"{e['name']}.{s}" for s in ("ids.npy", "doc.npy", "docs.npy", *self.payload_suffixes))
        now = time.time()
        for f in d.iterdir():
            if f.name in live or f.name in ("manifest.json", ".lock"):
                continue
            try:
                if now - f.stat().st_mtime > GC_GRACE_SECONDS:
                    f.unlink()
            except FileNotFoundError:
                pass

    def _mutate(self, dataset_id: str, account_id: str | None, fn) -> None:
        """Run ``fn(shard, new_version) -> (entries, new parts)`` under the writer lock."""
        with self._write_lock(dataset_id) as d:
            cur = self._current(d, str(dataset_id))
            if cur is None and account_id is None:
                return
            if cur is not None and account_id is not None and cur.account_id != str(account_id):
                raise PermissionError("dataset belongs to another account")
            acct = cur.account_id if cur is not None else str(account_id)
            version = (cur.version if cur else 0) + 1
            entries = fn(d, cur, version)
            if entries is None:
                return
            entries = self._maybe_compact(d, cur, entries, version)
            self._commit(d, acct, version, entries)

    def _maybe_compact(self, d: Path, cur: Shard | None, entries: list[dict], version: int) -> list[dict]:
        """Size-tiered compaction: merge parts that are mostly dead, and when there are more
        than MAX_PARTS parts merge the smallest ones, so each row is rewritten O(log n) times."""
        if not entries:
            return entries
        parts = [self._load_part(d, e["name"], e["flags"]) for e in entries]
        alive = [int(((p.flags & ALIVE) == ALIVE).sum()) for p in parts]
        merge = {i for i, p in enumerate(parts) if p.rows and (p.rows - alive[i]) / p.rows > MAX_DEAD_RATIO}
        if len(parts) - len(merge) + (1 if merge else 0) > MAX_PARTS:
            by_size = sorted((i for i in range(len(parts)) if i not in merge), key=lambda i: alive[i])
            while len(parts) - len(merge) + 1 > MAX_PARTS // 2 and by_size:
                merge.add(by_size.pop(0))
        if not merge or (len(merge) == 1 and alive[next(iter(merge))] == parts[next(iter(merge))].rows):
            return entries
        keep = [e for i, e in enumerate(entries) if i not in merge]
        sel = [(parts[i], (parts[i].flags & ALIVE) == ALIVE) for i in sorted(merge)]
        n = sum(int(m.sum()) for _, m in sel)
        if n == 0:
            return keep
        ids = np.concatenate([p.ids[m] for p, m in sel])
        doc_ids = np.concatenate([p.docs[p.doc_idx[m]] for p, m in sel])
        flags = np.concatenate([p.flags[m] for p, m in sel]).astype(np.uint8)
        payload = self._merge_payloads(sel)
        name = self._write_part(d, ids, doc_ids, payload)
        return keep + [{"name": name, "flags": self._save_flags(d, name, version, flags), "rows": int(n)}]

    def _write_part(self, d: Path, ids: np.ndarray, doc_ids: np.ndarray, payload: dict) -> str:
        name = f"p{int(time.time() * 1000):x}-{uuid.uuid4().hex[:8]}"
        docs, doc_idx = np.unique(np.asarray(doc_ids, dtype=str), return_inverse=True)
        _atomic_save(d / f"{name}.ids.npy", np.asarray(ids, dtype=str), self.fsync)
        _atomic_save(d / f"{name}.doc.npy", doc_idx.astype(np.int32), self.fsync)
        _atomic_save(d / f"{name}.docs.npy", docs, self.fsync)
        self._write_payload(d, name, payload)
        return name

    def _append(self, dataset_id: str, account_id: str, refs: Sequence, payload: dict) -> None:
        ids = np.asarray([str(r.segment_id) for r in refs], dtype=str)
        if len(set(ids.tolist())) != len(ids):
            raise ValueError("duplicate segment ids in one upsert")
        doc_ids = np.asarray([str(r.document_id) for r in refs], dtype=str)
        flags = np.asarray(
            [ALIVE | (SEG_ENABLED if r.enabled else 0) | (DOC_ENABLED if r.document_enabled else 0) for r in refs],
            dtype=np.uint8,
        )

        def fn(d: Path, cur: Shard | None, version: int):
            entries = []
            new_ids = set(ids.tolist())
            if cur is not None:
                for p in cur.parts:
                    pos = p.id_positions()
                    hit = [pos[s] for s in new_ids if s in pos]
                    fl = p.flags
                    if hit:
                        fl = fl.copy()
                        fl[hit] &= ~np.uint8(ALIVE)
                        entries.append({"name": p.name, "flags": self._save_flags(d, p.name, version, fl), "rows": p.rows})
                    else:
                        entries.append({"name": p.name, "flags": p.flags_file, "rows": p.rows})
            name = self._write_part(d, ids, doc_ids, payload)
            entries.append({"name": name, "flags": self._save_flags(d, name, version, flags), "rows": int(len(ids))})
            return entries

        self._mutate(dataset_id, account_id, fn)

    def optimize(self, dataset_id: str) -> None:
        """Merge every part of a dataset into one (drops deleted rows; large merged parts get
        the payload's acceleration structures). Safe to run while readers query."""

        def fn(d: Path, cur: Shard | None, version: int):
            if cur is None or (len(cur.parts) <= 1 and all(((p.flags & ALIVE) == ALIVE).all() for p in cur.parts)):
                return None
            sel = [(p, (p.flags & ALIVE) == ALIVE) for p in cur.parts]
            n = sum(int(m.sum()) for _, m in sel)
            if n == 0:
                return []
            ids = np.concatenate([p.ids[m] for p, m in sel])
            doc_ids = np.concatenate([p.docs[p.doc_idx[m]] for p, m in sel])
            flags = np.concatenate([p.flags[m] for p, m in sel]).astype(np.uint8)
            name = self._write_part(d, ids, doc_ids, self._merge_payloads(sel))
            return [{"name": name, "flags": self._save_flags(d, name, version, flags), "rows": int(n)}]

        self._mutate(dataset_id, None, fn)

    def _update_flags(self, dataset_id: str, select, op) -> None:
        """``select(part) -> bool mask``; ``op(flags, mask) -> new flags``."""

        def fn(d: Path, cur: Shard | None, version: int):
            if cur is None:
                return None
            entries, changed = [], False
            for p in cur.parts:
                mask = select(p)
                if mask is not None and mask.any():
                    fl = op(p.flags.copy(), mask)
                    if not np.array_equal(fl, p.flags):
                        changed = True
                        entries.append({"name": p.name, "flags": self._save_flags(d, p.name, version, fl), "rows": p.rows})
                        continue
                entries.append({"name": p.name, "flags": p.flags_file, "rows": p.rows})
            return entries if changed else None

        self._mutate(dataset_id, None, fn)

    # -- shared mutations -------------------------------------------------------------
    @staticmethod
    def _seg_mask(segment_ids: Sequence[str]):
        wanted = [str(s) for s in segment_ids]

        def select(p: Part):
            pos = p.id_positions()
            hits = [pos[s] for s in wanted if s in pos]
            if not hits:
                return None
            m = np.zeros(p.rows, dtype=bool)
            m[hits] = True
            return m

        return select

    @staticmethod
    def _doc_mask(document_ids: Sequence[str]):
        wanted = [str(s) for s in document_ids]

        def select(p: Part):
            pos = p.doc_positions()
            codes = [pos[s] for s in wanted if s in pos]
            if not codes:
                return None
            return np.isin(p.doc_idx, np.asarray(codes, dtype=np.int32))

        return select

    def delete_segments(self, dataset_id: str, segment_ids: Sequence[str]) -> None:
        if segment_ids:
            self._update_flags(dataset_id, self._seg_mask(segment_ids), _clear(ALIVE))

    def delete_documents(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        if document_ids:
            self._update_flags(dataset_id, self._doc_mask(document_ids), _clear(ALIVE))

    def delete_dataset(self, dataset_id: str) -> None:
        d = self._dir(dataset_id)
        if not d.exists():
            return
        with self._write_lock(dataset_id):
            trash = d.with_name(f".trash-{d.name}-{uuid.uuid4().hex[:8]}")
            try:
                os.replace(d, trash)
            except OSError as exc:  # pragma: no cover
                if exc.errno != errno.ENOENT:
                    raise
                return
        shutil.rmtree(trash, ignore_errors=True)
        with self._cache_lock:
            self._shards.pop(str(dataset_id), None)
            for key in [k for k in self._parts if k[0] == str(d)]:
                self._parts.pop(key, None)

    def set_segments_enabled(self, dataset_id: str, segment_ids: Sequence[str], enabled: bool) -> None:
        if segment_ids:
            self._update_flags(dataset_id, self._seg_mask(segment_ids), _set(SEG_ENABLED) if enabled else _clear(SEG_ENABLED))

    def set_document_enabled(self, dataset_id: str, document_id: str, enabled: bool) -> None:
        self._update_flags(dataset_id, self._doc_mask([document_id]), _set(DOC_ENABLED) if enabled else _clear(DOC_ENABLED))

    def count(self, flt) -> int:
        n = 0
        for shard in self.shards_for(flt.account_id, flt.dataset_ids):
            for p in shard.parts:
                n += int(p.row_mask(flt.document_ids, flt.include_disabled).sum())
        return n

    def segment_ids(self, flt) -> list[str]:
        out: list[str] = []
        for shard in self.shards_for(flt.account_id, flt.dataset_ids):
            for p in shard.parts:
                out.extend(p.ids[p.row_mask(flt.document_ids, flt.include_disabled)].tolist())
        return out


def _set(bit: int):
    def op(flags: np.ndarray, mask: np.ndarray) -> np.ndarray:
        flags[mask] |= np.uint8(bit)
        return flags

    return op


def _clear(bit: int):
    def op(flags: np.ndarray, mask: np.ndarray) -> np.ndarray:
        flags[mask] &= np.uint8(0xFF ^ bit)
        return flags

    return op


def _atomic_save(path: Path, arr: np.ndarray, fsync: bool = True) -> None:
    tmp = path.with_name(path.name + f".{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, arr, allow_pickle=False)
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())
    os.replace(tmp, path)
