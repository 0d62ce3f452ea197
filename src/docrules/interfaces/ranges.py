"""Parts of a batch input: byte ranges of a JSONL file, row ranges of a CSV file, each row with the line
number it has in the whole file, so that parts checked apart concatenate to the output of the whole.

A JSONL row belongs to the range holding its first byte; a CSV row to the range holding its index
(quoted cells may span lines, so CSV cannot be cut by bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# a row: its line number in the input and its raw bytes (JSONL) or its cells by header (CSV)
Row = tuple[int, bytes | dict[str, str]]

BLOCK = 1 << 20


@dataclass(frozen=True)
class Shard:
    """Part `index` (1-based) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, _, count = text.partition("/")
        if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
            raise ValueError(f"--shard: expected I/N with 1 <= I <= N, e.g. 2/8 (got {text!r})")
        return cls(int(index), int(count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def bounds(self, total: int) -> tuple[int, int]:
        """[start, end) of `total` units (bytes or rows) that this shard covers."""
        return (self.index - 1) * total // self.count, self.index * total // self.count


def lines_before(f: BinaryIO, offset: int) -> int:
    """Newlines in the first `offset` bytes of `f`."""
    f.seek(0)
    count, left = 0, offset
    while left > 0:
        block = f.read(min(BLOCK, left))
        if not block:
            break
        count += block.count(b"\n")
        left -= len(block)
    return count


def jsonl_range(f: BinaryIO, start: int, end: int) -> Iterator[Row]:
    """The non-blank lines whose first byte lies in [start, end), with their line numbers."""
    number = lines_before(f, max(start - 1, 0))
    pos = 0
    if start > 0:
        f.seek(start - 1)
        rest = f.readline()  # the end of the line that began before `start` (or just its newline)
        pos = start - 1 + len(rest)
        number += rest.count(b"\n")
    else:
        f.seek(0)
    while pos < end:
        line = f.readline()
        if not line:
            return
        number += 1
        pos += len(line)
        if line.strip():
            yield number, line


def scan(path: Path) -> tuple[int, str]:
    """(non-blank lines, sha256 of the bytes) of a file, in one pass."""
    digest, lines, tail = hashlib.sha256(), 0, b""
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
            text = tail + block
            parts = text.split(b"\n")
            tail = parts.pop()
            lines += sum(1 for p in parts if p.strip())
    if tail.strip():
        lines += 1
    return lines, f"sha256:{digest.hexdigest()}"
