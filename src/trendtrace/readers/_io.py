"""Opening input files: existence and emptiness checks, transparent .gz / .zst decompression.

Compression is recognised by magic bytes, not by the file name (``1f 8b`` gzip, ``28 b5 2f fd``
Zstandard), so a renamed file still reads. A compressed stream that ends early raises
:class:`~trendtrace.model.InputError` from ``read`` with a one-line message; the Zstandard
library's own stream reader would stop silently at the cut, so frames are decoded here with
``decompressobj`` and checked for their end marker.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from typing import IO

import zstandard

from trendtrace.model import InputError

__all__ = ["open_input", "check_path", "compression_of", "GZIP_MAGIC", "ZSTD_MAGIC", "PARQUET_MAGIC"]

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"
_RAW_BLOCK = 1 << 20


def compression_of(head: bytes) -> str | None:
    """``"gz"``, ``"zst"`` or ``None`` from the first bytes of a file."""
    if head.startswith(GZIP_MAGIC):
        return "gz"
    if head.startswith(ZSTD_MAGIC):
        return "zst"
    return None


class _Decompressed(io.RawIOBase):
    """A raw reader over a decompressor that turns every decoding failure into InputError.

    ``error`` keeps the InputError so that callers whose exceptions pass through foreign code
    (pyarrow wraps Python exceptions raised inside ``read``) can re-raise the clear message.
    """

    def __init__(self, raw: IO[bytes], kind: str, name: str) -> None:
        self._raw = raw
        self._kind = kind
        self._name = name
        self.error: InputError | None = None
        self._buf = b""
        self._eof = False
        if kind == "gz":
            self._gz: gzip.GzipFile | None = gzip.GzipFile(fileobj=raw, mode="rb")
        else:
            self._gz = None
            self._zd = zstandard.ZstdDecompressor()
            self._zobj = self._zd.decompressobj()
            self._zframe_open = False

    def readable(self) -> bool:
        return True

    def _fail(self, why: str) -> InputError:
        ext = ".gz" if self._kind == "gz" else ".zst"
        self.error = InputError(f"{self._name}: {why} (truncated or damaged {ext} file?)")
        return self.error

    def _more_zstd(self) -> bytes:
        while True:
            raw = self._raw.read(_RAW_BLOCK)
            if not raw:
                if self._zframe_open:
                    raise self._fail("compressed data ends early")
                return b""
            out = []
            while raw:
                self._zframe_open = True
                try:
                    out.append(self._zobj.decompress(raw))
                except zstandard.ZstdError as e:
                    raise self._fail(f"compressed data is damaged ({e})") from None
                if self._zobj.eof:
                    # One frame ended; a new frame (concatenated .zst files) may follow.
                    raw = self._zobj.unused_data
                    self._zobj = self._zd.decompressobj()
                    self._zframe_open = False
                else:
                    raw = b""
            data = b"".join(out)
            if data:
                return data

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.error is not None:
            raise self.error
        n = len(b)
        if self._gz is not None:
            try:
                data = self._gz.read(n)
            except EOFError:
                raise self._fail("compressed data ends early") from None
            except (gzip.BadGzipFile, zlib.error, OSError) as e:
                raise self._fail(f"compressed data is damaged ({e})") from None
        else:
            if not self._buf and not self._eof:
                self._buf = self._more_zstd()
                if not self._buf:
                    self._eof = True
            data, self._buf = self._buf[:n], self._buf[n:]
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            if self._gz is not None:
                self._gz.close()
            self._raw.close()
        finally:
            super().close()


def check_path(path: str | os.PathLike[str]) -> str:
    name = str(path)
    if not os.path.exists(name):
        raise InputError(f"{name}: file not found")
    if os.path.isdir(name):
        raise InputError(f"{name}: is a directory, not a file")
    if os.path.getsize(name) == 0:
        raise InputError(f"{name}: empty file")
    return name


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open ``path`` for binary reading, decompressing .gz / .zst transparently.

    Raises InputError when the file is missing or empty. The returned object is buffered and
    supports ``peek``/``readline``; reading past damage in compressed data raises InputError.
    """
    name = check_path(path)
    raw = open(name, "rb")  # noqa: SIM115 - returned to the caller (or wrapped), who closes it
    head = raw.read(4)
    raw.seek(0)
    kind = compression_of(head)
    if kind is None:
        return raw
    return io.BufferedReader(_Decompressed(raw, kind, name), buffer_size=_RAW_BLOCK)
