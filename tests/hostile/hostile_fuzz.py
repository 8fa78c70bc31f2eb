"""Seeded mutation fuzzing of the workbook reader, run as a child process (``python hostile_fuzz.py BASE SEED
COUNT``) so that a reader that aborts (a Rust allocation failure does not raise) fails the test instead of
killing pytest. Prints one JSON object: how many mutants were read, refused (per code) or raised anything else.

Two kinds of mutants: the file's bytes (truncated, bits flipped, runs zeroed: damage to the zip) and the XML
inside, re-zipped intact (characters flipped, spans deleted or repeated, hostile snippets inserted: damage a
zip check cannot see).
"""

from __future__ import annotations

import collections
import io
import json
import random
import sys
import zipfile
from pathlib import Path

SNIPPETS = [b"&amp;", b"&#0;", b"&#xFFFFFF;", b"<![CDATA[", b"<?pi?>", b'r="XFD1048576"', b'r="A0"', b" r='Q9'",
            b'r="ZZZZ99999999999"', b"<row>", b"</row>", b"<c>", b"<f>SUM(A1)</f>", b' hidden="1"', b"<!DOCTYPE a>",
            b"_x0000_", b"\x01", b'<mergeCell ref="A1:B9"/>', b"<c/>" * 50]


def byte_mutant(source: bytes, rng: random.Random) -> bytes:
    data = bytearray(source)
    mode = rng.choice(["truncate", "flip", "scatter", "zero"])
    if mode == "truncate":
        return bytes(data[:rng.randrange(len(data))])
    if mode == "flip":
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)
    elif mode == "scatter":
        for _ in range(20):
            data[rng.randrange(len(data))] = rng.randrange(256)
    else:
        at = rng.randrange(len(data))
        data[at:at + rng.randrange(1, 200)] = bytes(len(data[at:at + 200]))
    return bytes(data)


def xml_mutant(parts: dict[str, bytes], rng: random.Random) -> bytes:
    name = rng.choice([n for n in parts if n.endswith((".xml", ".rels"))])
    data = bytearray(parts[name])
    for _ in range(rng.choice([1, 1, 3, 10])):
        at = rng.randrange(len(data))
        op = rng.choice(["flip", "delete", "repeat", "insert"])
        if op == "flip":
            data[at] = rng.choice(b'<>/"=&;!x0123456789AZ \x00\xff')
        elif op == "delete":
            del data[at:at + rng.randrange(1, 30)]
        elif op == "repeat":
            start = rng.randrange(len(data))
            data[at:at] = data[start:start + rng.randrange(1, 200)]
        else:
            data[at:at] = rng.choice(SNIPPETS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, content in parts.items():
            zf.writestr(part, bytes(data) if part == name else content)
    return buffer.getvalue()


def main(base: Path, seed: int, count: int, scratch: Path) -> dict[str, object]:
    from serialtrack.ingest.safety import UnsafeFile
    from serialtrack.ingest.workbook import read_grids

    source = base.read_bytes()
    with zipfile.ZipFile(base) as zf:
        parts = {info.filename: zf.read(info.filename) for info in zf.infolist()}
    rng = random.Random(seed)
    outcomes: collections.Counter[str] = collections.Counter()
    others: list[str] = []
    for number in range(count):
        mutant = byte_mutant(source, rng) if number % 2 else xml_mutant(parts, rng)
        scratch.write_bytes(mutant)
        try:
            read_grids(scratch)
            outcomes["read"] += 1
        except UnsafeFile as exc:
            outcomes[exc.code] += 1
        except Exception as exc:  # noqa: BLE001 (what the test counts as a failure)
            outcomes["other"] += 1
            others.append(f"{number}: {type(exc).__name__}: {exc}"[:300])
    return {"outcomes": dict(outcomes), "others": others[:10]}


if __name__ == "__main__":
    path, seed_text, count_text, scratch_text = sys.argv[1:5]
    print(json.dumps(main(Path(path), int(seed_text), int(count_text), Path(scratch_text))))
