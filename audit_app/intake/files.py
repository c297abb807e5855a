"""Opening an intake file: streamed as text, with the SHA-256 of its bytes taken on the way."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO


class _HashingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class IntakeFile:
    """`with IntakeFile(path) as f:` gives `f.text` (UTF-8, BOM tolerated) and, once read, `f.sha256`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._hashing = _HashingReader(open(self.path, "rb"))
        self.text = io.TextIOWrapper(io.BufferedReader(self._hashing, 1 << 20),
                                     encoding="utf-8-sig", newline="")

    @property
    def sha256(self) -> str:
        return self._hashing.sha256.hexdigest()

    def __enter__(self) -> "IntakeFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.text.close()
