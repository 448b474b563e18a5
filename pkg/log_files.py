"""A size-rotated log file that several processes append to (gunicorn workers, the Celery worker)."""
from __future__ import annotations

import fcntl
import logging
import os
from logging.handlers import RotatingFileHandler


class SharedRotatingFileHandler(RotatingFileHandler):
    """`RotatingFileHandler` for one file shared by several processes.

    The stdlib handler assumes it is the file's only writer: when one process rolls the file over,
    the others keep appending to the renamed file (now `.1`) and, finding it full, roll it over
    again — their lines land in old files, out of order, and backups are dropped early. Here a
    process reopens the file when its inode changed under it (another process rotated it), and a
    rollover happens under an exclusive lock on `<file>.lock`, re-checked once the lock is held.
    """

    def _rotated_elsewhere(self) -> bool:
        if self.stream is None:
            return False
        try:
            return os.stat(self.baseFilename).st_ino != os.fstat(self.stream.fileno()).st_ino
        except FileNotFoundError:
            return True

    def _reopen(self) -> None:
        self.stream.close()
        self.stream = self._open()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._rotated_elsewhere():
                self._reopen()
        except OSError:
            self.handleError(record)
            return
        super().emit(record)

    def doRollover(self) -> None:
        with open(self.baseFilename + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if self._rotated_elsewhere():
                    self._reopen()  # another process rolled it over meanwhile: append to the new file
                    return
                super().doRollover()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
