"""jieba's default dictionary from a fast cache in the data directory (`jieba_dict.bin`, 0600).

jieba keeps its prefix dictionary (about 500k words and prefixes with their frequencies) as a
marshal file in the temp directory; unmarshalling it takes 0.5-0.9 s holding the GIL, the largest
single cost of a warm start and of a local `search_kb`. The same dictionary as one "\\n"-joined
UTF-8 string plus an int64 array loads in about a third of that (one split, one zip), and is
exactly jieba's own: the file is written from the dictionary jieba built, keyed by jieba's
version and its dictionary file's size and mtime, and any mismatch or damage falls back to jieba's
own loading (which rewrites the cache). No pickle: nothing in the file is executed.
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import jieba
import numpy as np

from bot.core.private import private_dir, replace_privately

FILE_NAME = "jieba_dict.bin"
_FORMAT = 1


def _source() -> dict[str, object]:
    path = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    st = path.stat()
    return {"format": _FORMAT, "jieba": jieba.__version__, "dict": str(path), "size": st.st_size,
            "mtime_ns": st.st_mtime_ns}


def _read(path: Path, source: dict[str, object]) -> tuple[dict[str, int], int] | None:
    try:
        with open(path, "rb") as fh:
            header = json.loads(fh.readline())
            if {k: header.get(k) for k in source} != source:
                return None
            count, total = int(header["count"]), int(header["total"])
            freqs = np.frombuffer(fh.read(8 * count), dtype="<i8")
            words = fh.read().decode("utf-8").split("\n")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(words) != count or len(freqs) != count:
        return None
    return dict(zip(words, freqs.tolist(), strict=True)), total


def _write(path: Path, source: dict[str, object], freq: dict[str, int], total: int) -> None:
    header = {**source, "count": len(freq), "total": total}
    with contextlib.suppress(OSError), replace_privately(path) as fh:  # read-only dir: jieba's own cache works
        fh.write(json.dumps(header).encode() + b"\n")
        fh.write(np.fromiter(freq.values(), dtype="<i8", count=len(freq)).tobytes())
        fh.write("\n".join(freq).encode("utf-8"))


def load_dictionary(cache_dir: Path, tokenizer: jieba.Tokenizer | None = None) -> None:
    """Initialise jieba's default tokenizer (or `tokenizer`) from `cache_dir`'s cache, built there
    on a miss. Idempotent; a tokenizer with a custom dictionary is left to jieba."""
    dt = tokenizer or jieba.dt
    jieba.setLogLevel(logging.WARNING)  # it prints "Building prefix dict..." otherwise
    if dt.initialized or dt.dictionary != jieba.DEFAULT_DICT:
        return
    with dt.lock:
        if dt.initialized:
            return
        try:
            source = _source()
        except OSError:
            dt.initialize()
            return
        path = cache_dir / FILE_NAME
        cached = _read(path, source)
        if cached is not None:
            dt.FREQ, dt.total = cached
            dt.initialized = True
            return
        dt.initialize()
        private_dir(cache_dir)
        _write(path, source, dt.FREQ, dt.total)
