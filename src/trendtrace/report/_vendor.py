"""Third-party browser code the report inlines (it works offline: nothing is fetched).

DataTables (https://datatables.net, MIT) with jQuery, as the ``itables`` package ships it in one
ES module (``itables/html/dt_bundle.js`` and ``.css``): the report's "all trends" table is a
paginated, searchable, sortable DataTables table fed from data embedded in the page. The module's
closing ``export {...}`` (before its licence comment, which stays) becomes an assignment to
``window.__ttDataTables`` and an event (``tt-datatables``), so that the page's own script can use
it; the only other change is ``(<!--`` written ``(\\x3C!--`` in its regular expressions (below).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

__all__ = ["datatables"]

# the closing export statement, then at most the bundled licence comment (kept in the page)
_EXPORT = re.compile(r"export\s*\{([^}]*)\}\s*;?(?=\s*(?:/\*.*?\*/\s*)?$)", re.S)


def _itables_html() -> Path:
    spec = importlib.util.find_spec("itables")  # located, not imported (its __init__ pulls in pandas)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the report needs the 'itables' package (pip install itables)")
    return Path(next(iter(spec.submodule_search_locations))) / "html"


@functools.cache
def datatables() -> tuple[str, str]:
    """``(module_script, stylesheet)``: DataTables for an inline ``<script type="module">``."""
    html = _itables_html()
    js = (html / "dt_bundle.js").read_text("utf-8")
    css = (html / "dt_bundle.css").read_text("utf-8")
    m = _EXPORT.search(js)
    if m is None:
        raise RuntimeError(f"{html / 'dt_bundle.js'}: no closing export statement (an itables version this "
                           "report does not know)")
    names = {}
    for item in m.group(1).split(","):
        local, _, alias = item.strip().partition(" as ")
        names[(alias or local).strip()] = local.strip()
    if "jQuery" not in names:
        raise RuntimeError(f"{html / 'dt_bundle.js'}: exports no jQuery")
    js = (js[: m.start()] + f"window.__ttDataTables={{jQuery:{names['jQuery']}}};"
          "window.dispatchEvent(new Event('tt-datatables'));" + js[m.end():])
    # Inline script text must not hold "</script" (it would end the element) nor "<!--" (after which
    # the HTML parser treats a later "<script" specially). The bundle's "<!--" are in regular
    # expressions, "(<!--": written "(\x3C!--", the same pattern to JavaScript.
    if js.count("<!--") != js.count("(<!--"):
        raise RuntimeError("itables bundle has '<!--' outside a regular expression; it cannot be inlined")
    js = js.replace("(<!--", "(\\x3C!--")
    for text, tag in ((js, "</script"), (css, "</style")):
        if tag in text.lower():
            raise RuntimeError(f"itables bundle contains {tag!r}; it cannot be inlined")
    return js, css
