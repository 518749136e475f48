"""User-defined campaigns: named sets of hashtags and keywords, read from a TOML or YAML file.

A campaign file names each campaign once, with the hashtags and keywords that mark its posts::

    # campaigns.toml
    [campaigns.release_now]
    description = "Calls for a release"            # optional, free text
    hashtags = ["#ReleaseNow", "release_now_2025"]  # '#' optional, matched after normalisation
    keywords = ["release him now"]                  # optional, case-insensitive substring of the text

The same in YAML::

    campaigns:
      release_now:
        hashtags: ["#ReleaseNow", release_now_2025]
        keywords: [release him now]

A post belongs to a campaign when it carries one of its hashtags (compared after
:func:`trendtrace.model.normalize_hashtag`) or its text contains one of its keywords (compared after
NFKC normalisation and case folding). Each campaign needs at least one hashtag or keyword.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trendtrace.model import InputError, normalize_hashtag

__all__ = ["Campaign", "load_campaigns", "campaigns_from_mapping"]

_KNOWN_KEYS = frozenset({"hashtags", "keywords", "description"})


@dataclass(frozen=True)
class Campaign:
    """A named campaign: normalised hashtags (no ``#``, case-folded) and case-folded keywords."""

    name: str
    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    description: str = ""
    #: Where it was defined ("campaigns.toml" or "campaigns.yaml:12"), for messages.
    origin: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError(f"{self.origin or 'campaign'}: a campaign name must not be empty")
        if not self.hashtags and not self.keywords:
            raise InputError(
                f"{self.origin or 'campaign'}: campaign {self.name!r}: give at least one of 'hashtags' or 'keywords'"
            )


def _fold_keyword(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold().strip()


def load_campaigns(path: str | Path) -> list[Campaign]:
    """Read campaigns from a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file.

    Parameters
    ----------
    path : the file. Format by extension; other extensions are tried as TOML, then YAML.

    Returns
    -------
    The campaigns in file order. Hashtags are normalised (``"#PTI"`` → ``"pti"``) and de-duplicated;
    keywords are NFKC-normalised and case-folded.

    Raises
    ------
    InputError
        with the file name and the line (YAML, TOML syntax) or campaign and key at fault, e.g.
        ``campaigns.toml: campaign 'x': 'hashtags' must be a list of strings``.
    """
    p = Path(path)
    label = p.name
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: campaigns file not found") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read campaigns file: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(f"{label}:{line}: campaigns file is not UTF-8 text") from None
    if not text.strip():
        raise InputError(f"{label}: campaigns file is empty")
    suffix = p.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        return _from_yaml(text, label)
    if suffix == ".toml":
        return _from_toml(text, label)
    try:
        return _from_toml(text, label)
    except InputError:
        return _from_yaml(text, label)


def _from_toml(text: str, label: str) -> list[Campaign]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib says "... (at line 3, column 7)": turn it into FILE:LINE, the usual pointer.
        msg = str(err)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", msg)
        if m:
            raise InputError(f"{label}:{m.group(1)}: not valid TOML: {msg[:m.start()]} (column {m.group(2)})") from None
        raise InputError(f"{label}: not valid TOML: {msg}") from None
    return campaigns_from_mapping(doc, label)


def _from_yaml(text: str, label: str) -> list[Campaign]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(f"{where}: not valid YAML: {problem}") from None
    lines = _yaml_lines(node)
    return campaigns_from_mapping(doc, label, lines)


def _yaml_lines(node: Any) -> dict[str, int]:
    """Line (1-based) of each campaign's entry in a YAML document, for messages."""
    out: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return out
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "campaigns" and isinstance(value, yaml.MappingNode):
            for ckey, _ in value.value:
                if isinstance(ckey, yaml.ScalarNode):
                    out[str(ckey.value)] = ckey.start_mark.line + 1
    return out


def campaigns_from_mapping(doc: Any, label: str = "campaigns", lines: dict[str, int] | None = None) -> list[Campaign]:
    """Campaigns from an already-parsed document ``{"campaigns": {name: {hashtags, keywords}}}``.

    ``label`` names the source in error messages; ``lines`` maps campaign names to file lines.
    """
    lines = lines or {}
    if not isinstance(doc, dict) or "campaigns" not in doc:
        raise InputError(f"{label}: expected a 'campaigns' table, e.g. [campaigns.NAME] with hashtags = [...]")
    extra = sorted(str(k) for k in doc if k != "campaigns")
    if extra:
        raise InputError(f"{label}: unknown top-level key {extra[0]!r} (only 'campaigns' is allowed)")
    table = doc["campaigns"]
    if not isinstance(table, dict) or not table:
        raise InputError(f"{label}: 'campaigns' must be a table of named campaigns and name at least one")
    out: list[Campaign] = []
    folded: dict[str, str] = {}
    for name, body in table.items():
        name = str(name)
        where = f"{label}:{lines[name]}" if name in lines else label
        prefix = f"{where}: campaign {name!r}"
        if not isinstance(body, dict):
            raise InputError(f"{prefix}: must be a table with 'hashtags' and/or 'keywords'")
        unknown = sorted(str(k) for k in body if k not in _KNOWN_KEYS)
        if unknown:
            raise InputError(
                f"{prefix}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_KNOWN_KEYS))})"
            )
        tags = _string_list(body, "hashtags", prefix)
        words = _string_list(body, "keywords", prefix)
        description = body.get("description", "")
        if not isinstance(description, str):
            raise InputError(f"{prefix}: 'description' must be a string")
        norm_tags = tuple(dict.fromkeys(t for t in (normalize_hashtag(x) for x in tags) if t))
        if tags and not norm_tags:
            raise InputError(f"{prefix}: 'hashtags' has no usable hashtag")
        norm_words = tuple(dict.fromkeys(w for w in (_fold_keyword(x) for x in words) if w))
        key = name.strip().casefold()
        if key in folded:
            raise InputError(f"{prefix}: the name is used twice (also {folded[key]!r})")
        folded[key] = name
        out.append(Campaign(name.strip(), norm_tags, norm_words, description, origin=where))
    return out


def _string_list(body: dict[str, Any], key: str, prefix: str) -> list[str]:
    value = body.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{prefix}: {key!r} must be a list of strings")
    return value
