"""Reading a declarations file in a second process while this one loads the database.

Reading, validating and formatting a row costs Python more than the database needs to take it,
so on a machine with two cores or more a reader process does that part and sends the rows over
a pipe in chunks, already in staging form (`staging.chunk_records`), while this process writes
the previous chunk to the staging table. The pipe holds one chunk at a time, so neither process
runs more than a chunk ahead of the other: memory stays flat whatever the file's size.

Nothing changes for the outcome: the reader process runs the same reader on the same file, so
records come in file order with the same line numbers and problems; this process decides what is
written, in one transaction, as without it. The reader never touches the database.

    with open_declaration_chunks(path, "postgresql", parallel=None) as source:
        ...                      # the header is checked (IntakeError) before this block runs
        for chunk in source.chunks: ...
        source.sha256            # known once the chunks are consumed
"""
from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import IntakeFile
from .formats import DECLARATIONS
from .problems import IntakeError
from .reader import open_records
from .staging import Chunk, chunk_records


def parallel_available() -> bool:
    """A reader process pays off with a second core, and is cheap only where it can fork."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


class DeclarationChunks:
    """The chunks of one declarations file, read here or in a reader process."""

    def __init__(self, path: Path, dialect: str, parallel: bool | None = None) -> None:
        self.path = Path(path)
        self.dialect = dialect
        self.parallel = parallel_available() if parallel is None else parallel
        self.sha256: str | None = None
        self.chunks: Iterator[Chunk]
        self._file: IntakeFile | None = None
        self._process: Any = None
        self._pipe: Any = None

    def __enter__(self) -> "DeclarationChunks":
        if self.parallel:
            self._start_process()
        else:
            self._file = IntakeFile(self.path)
            try:
                records = open_records(self._file.text, DECLARATIONS, stage=self.dialect)
            except BaseException:
                self._file.__exit__(None, None, None)
                raise
            self.chunks = self._local_chunks(records)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.__exit__(None, None, None)
        if self._process is not None:
            self._pipe.close()  # a reader still sending gets a broken pipe and ends
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()

    def _local_chunks(self, records: Any) -> Iterator[Chunk]:
        assert self._file is not None
        yield from chunk_records(records, self.dialect == "postgresql")
        self.sha256 = self._file.sha256

    def _start_process(self) -> None:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self._pipe = receive
        self._process = context.Process(target=_read_in_process,
                                        args=(self.path, self.dialect, send),
                                        name="pca-intake-reader", daemon=True)
        self._process.start()
        send.close()  # only the reader writes; its end closing tells us it is gone
        try:
            self._receive()  # "ready": the header is good
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.chunks = self._process_chunks()

    def _receive(self) -> Any:
        try:
            kind, data = self._pipe.recv()
        except EOFError:
            raise RuntimeError(f"{self.path}: the intake reader process ended unexpectedly "
                               f"(exit code {self._process.exitcode})") from None
        if kind == "problems":
            raise IntakeError(data)
        if kind == "failed":
            raise RuntimeError(f"{self.path}: the intake reader process failed:\n{data}")
        return kind, data

    def _process_chunks(self) -> Iterator[Chunk]:
        while True:
            kind, data = self._receive()
            if kind == "end":
                self.sha256 = data
                return
            yield data


def _read_in_process(path: Path, dialect: str, send: Any) -> None:
    """The reader process: the header verdict, the chunks in file order, then the SHA-256."""
    try:
        try:
            with IntakeFile(path) as source:
                records = open_records(source.text, DECLARATIONS, stage=dialect)
                send.send(("ready", None))
                for chunk in chunk_records(records, dialect == "postgresql"):
                    send.send(("chunk", chunk))
                send.send(("end", source.sha256))
        except IntakeError as exc:
            send.send(("problems", exc.problems))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the loader stopped listening (it failed, or was interrupted): just end
        except BaseException:
            send.send(("failed", traceback.format_exc()))
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        send.close()
