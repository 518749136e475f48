"""The campaigns-file parser: formats, normalisation, and the text of every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendtrace.model import InputError
from trendtrace.trends import Campaign, load_campaigns

FIXTURES = Path(__file__).parent / "fixtures" / "campaigns"


@pytest.mark.parametrize("name", ["example.toml", "example.yaml"])
def test_example_files_parse_the_same(name: str) -> None:
    got = load_campaigns(FIXTURES / name)
    assert [c.name for c in got] == ["release_now", "match_day"]
    assert got[0].hashtags == ("releasenow", "release_now_2025")
    assert got[0].keywords == ("release him now",)
    assert got[0].description.startswith("Calls for a release")
    assert got[1] == Campaign("match_day", ("pakvind",))


def test_yaml_single_string_and_dedup(tmp_path: Path) -> None:
    f = tmp_path / "c.yml"
    f.write_text("campaigns:\n  a:\n    hashtags: '#X'\n    keywords: [Foo, FOO, ' foo ']\n", encoding="utf-8")
    (c,) = load_campaigns(f)
    assert c.hashtags == ("x",) and c.keywords == ("foo",)


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("campaigns.toml", "[campaigns.x]\nhashtags = 5\n",
         r"^campaigns\.toml: campaign 'x': 'hashtags' must be a list of strings$"),
        ("campaigns.toml", "[campaigns.x]\nhashtags = ['a', 3]\n",
         r"^campaigns\.toml: campaign 'x': 'hashtags' must be a list of strings$"),
        ("campaigns.toml", "[campaigns.x]\nkeywords = [1]\n",
         r"^campaigns\.toml: campaign 'x': 'keywords' must be a list of strings$"),
        ("campaigns.toml", "[campaigns.x]\ndescription = 'only words'\n",
         r"^campaigns\.toml: campaign 'x': give at least one of 'hashtags' or 'keywords'$"),
        ("campaigns.toml", "[campaigns.x]\nhashtag = ['a']\n",
         r"^campaigns\.toml: campaign 'x': unknown key 'hashtag' \(allowed: description, hashtags, keywords\)$"),
        ("campaigns.toml", "[campaigns.x]\nhashtags = ['#']\n",
         r"^campaigns\.toml: campaign 'x': 'hashtags' has no usable hashtag$"),
        ("campaigns.toml", "[campaigns.x]\nhashtags = ['a'] x\n",
         r"^campaigns\.toml:2: not valid TOML: .+ \(column \d+\)$"),
        ("campaigns.toml", "[campaigns.x]\nhashtags = ['a'\n",
         r"^campaigns\.toml: not valid TOML: Unclosed array"),
        ("campaigns.toml", "[other]\nx = 1\n",
         r"^campaigns\.toml: expected a 'campaigns' table"),
        ("campaigns.toml", "campaigns = {}\n",
         r"^campaigns\.toml: 'campaigns' must be a table of named campaigns and name at least one$"),
        ("campaigns.toml", "extra = 1\n[campaigns.x]\nhashtags = ['a']\n",
         r"^campaigns\.toml: unknown top-level key 'extra'"),
        ("campaigns.toml", "[campaigns.x]\nhashtags = ['a']\ndescription = 3\n",
         r"^campaigns\.toml: campaign 'x': 'description' must be a string$"),
        ("campaigns.toml", "   \n", r"^campaigns\.toml: campaigns file is empty$"),
        ("c.yaml", "campaigns:\n  a:\n    hashtags: [x]\n  b:\n    hashtags: {k: v}\n",
         r"^c\.yaml:4: campaign 'b': 'hashtags' must be a list of strings$"),
        ("c.yaml", "campaigns:\n  a: [x]\n", r"^c\.yaml:2: campaign 'a': must be a table"),
        ("c.yaml", "campaigns:\n  a:\n    hashtags: [x\n", r"^c\.yaml:\d+: not valid YAML: "),
        ("c.yaml", "campaigns:\n  A:\n    hashtags: [x]\n  a:\n    hashtags: [y]\n",
         r"^c\.yaml:4: campaign 'a': the name is used twice \(also 'A'\)$"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_campaigns(_bad(tmp_path, name, text))


def test_missing_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.toml: campaigns file not found$"):
        load_campaigns(tmp_path / "nope.toml")
    f = tmp_path / "latin.toml"
    f.write_bytes(b"[campaigns.x]\nhashtags = ['caf\xe9']\n")
    with pytest.raises(InputError, match=r"^latin\.toml:2: campaigns file is not UTF-8 text$"):
        load_campaigns(f)


def test_unknown_extension_tries_toml_then_yaml(tmp_path: Path) -> None:
    f = _bad(tmp_path, "camp.txt", "campaigns:\n  a:\n    keywords: [Hello]\n")
    assert load_campaigns(f) == [Campaign("a", (), ("hello",))]
