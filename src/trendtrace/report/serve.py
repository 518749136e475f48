"""``trendtrace serve``: the report's views as a local, read-only web app (FastAPI).

:func:`create_app` opens the store read-only (DuckDB ``read_only=True``: the process cannot change
it) and serves pages for trends, clusters and accounts, a search by handle or hashtag, filtered CSV
downloads (the same spreadsheet-safe writer as ``accounts.csv`` and friends) and a JSON API. Every
value from a request reaches DuckDB as a bound parameter; no file is served from a path a request
names (pages inline their CSS and script), so there is nothing to traverse. Every error, whatever
its cause, is answered with one JSON shape::

    {"error": {"status": 404, "title": "Not Found", "detail": "no account 'x' in this store"}}

The app is meant for ``127.0.0.1``: requests whose ``Host`` is not a local name are refused (a
defence against DNS rebinding, which would let a web page read the dashboard). Off loopback
(:func:`serve` with ``expose=True``) the Host check cannot tell honest users from others, so every
request must carry a random access token instead (``?token=``, which sets an HttpOnly SameSite=Strict
cookie, or ``Authorization: Bearer``). :func:`serve` binds the socket itself (a port in use is a
clear :class:`ServeError`) and runs the app with uvicorn on ``127.0.0.1:8000`` by default.

Ids and hashtags may hold any text (``/``, ``%``, ``?``, ``#``, right-to-left text, emoji): detail
routes take the rest of the path (``{id:path}``) and links encode every character (:func:`detail_href`);
the two ids a browser would resolve as ``.``/``..`` path segments are linked as ``/accounts/?id=..``.
Paging is bounded (``page`` ≤ :data:`MAX_PAGE`); a store that is ingested but not analysed shows
"not computed" (HTML) or lists the missing tables under ``not_computed`` (JSON).
"""

from __future__ import annotations

import errno
import functools
import hmac
import ipaddress
import logging
import secrets
import socket
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any
from collections.abc import Callable, Iterator
from urllib.parse import unquote_to_bytes

import duckdb
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..settings import Settings
from ._common import Pseudonymizer, Store, detail_href, jsonable, sentences
from .data import _network, _timelines, accounts_sql, report_data
from .exports import CSV_TABLES, write_csv
from .html import content_security_policy, network_payload, render_page

__all__ = ["create_app", "serve", "StoreNotFound", "ServeError", "is_loopback", "check_host",
           "listen", "detail_href"]

log = logging.getLogger(__name__)

PAGE_SIZE = 100
#: The largest ``page`` a list accepts (1e9 rows at PAGE_SIZE 100); more is a 422, not a crash.
MAX_PAGE = 10_000_000
#: The longest text filter (``q``, ``cluster``, ``verdict`` ...) a request may send.
MAX_TEXT = 1000
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
#: Name of the cookie that carries the access token of an exposed dashboard.
TOKEN_COOKIE = "trendtrace_token"


class StoreNotFound(FileNotFoundError):
    """The store file given to :func:`create_app` does not exist or cannot be opened."""


class ServeError(Exception):
    """:func:`serve` cannot start: a non-loopback host without ``expose``, or the port is taken.
    ``str(err)`` is a one-line message for the user."""


def is_loopback(host: str) -> bool:
    """True when ``host`` is ``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``).

    Any other name counts as reachable from elsewhere (names are not resolved: ``0.0.0.0``, ``::``,
    an interface address or a host name all need ``expose``)."""
    name = host.strip().lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, expose: bool) -> None:
    """Raise :class:`ServeError` when ``host`` is not loopback and ``expose`` is false."""
    if not is_loopback(host) and not expose:
        raise ServeError(f"--host {host or repr(host)} is not a loopback address: anyone who can reach "
                         f"this machine could read the store; add --expose to serve it with an access "
                         f"token, or keep --host 127.0.0.1")


class _Error(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 422: "Invalid Parameter", 500: "Internal Error",
           503: "Store Unavailable"}


def error_body(status: int, detail: str) -> dict[str, Any]:
    """The one JSON error shape of the dashboard."""
    return {"error": {"status": status, "title": _TITLES.get(status, "Error"), "detail": detail}}


def _json_error(status: int, detail: str) -> JSONResponse:
    return JSONResponse(error_body(status, detail), status_code=status)


# ------------------------------------------------------------------------------------ filters
# Each returns (SQL condition over the output's own columns with ? placeholders, parameters).

def _accounts_filter(q: str | None, cluster: str | None, coordinated: bool | None,
                     min_score: float | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if q:
        clauses.append("(contains(lower(coalesce(handle, '')), lower(?)) OR account_id = ?)")
        params += [q.lstrip("@"), q]
    if cluster not in (None, ""):
        clauses.append("cluster = ?")
        params.append(str(cluster))
    if coordinated is not None:
        clauses.append("coordinated = ?")
        params.append(bool(coordinated))
    if min_score is not None:
        clauses.append("greatest(coordination_score, coalesce(inauthenticity_score, 0)) >= ?")
        params.append(float(min_score))
    return " AND ".join(clauses), params


def _trends_filter(q: str | None, verdict: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if q:
        clauses.append("contains(lower(trend), lower(?))")
        params.append(q.lstrip("#"))
    if verdict:
        clauses.append("verdict = ?")
        params.append(verdict)
    return " AND ".join(clauses), params


def _edges_filter(account: str | None, min_weight: float | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if account:
        clauses.append("(account_a = ? OR account_b = ?)")
        params += [account, account]
    if min_weight is not None:
        clauses.append("weight >= ?")
        params.append(float(min_weight))
    return " AND ".join(clauses), params


def _overlap_filter(campaign: str | None) -> tuple[str, list[Any]]:
    if campaign:
        return "(campaign_a = ? OR campaign_b = ?)", [campaign.lstrip("#"), campaign.lstrip("#")]
    return "", []


# ------------------------------------------------------------------------------------ parameters
# Every number a request sends is bounded, every text filter has a length limit: out of range, not a
# number, NaN or infinite → 422 in the error shape, never a crash in DuckDB.

Page = Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)]
Text = Annotated[str | None, Query(max_length=MAX_TEXT)]
Score = Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)]
Weight = Annotated[float | None, Query(ge=0, allow_inf_nan=False)]
#: ``?id=`` of a detail page: the form :func:`detail_href` uses for the ids ``.`` and ``..``.
Id = Annotated[str | None, Query(alias="id", max_length=MAX_TEXT)]

#: Tables whose absence the account views note (``not_computed`` in JSON).
_ACCOUNT_TABLES = ("account_coordination", "account_signals")


def _key(request: Request, path_value: str, query_id: str | None, what: str, prefix: str) -> str:
    """The id of a detail page: the rest of the path after ``prefix``, or ``?id=`` when it is empty.

    The rest of the path is percent-decoded exactly once from the raw request path (what the link
    said), not taken from the decoded path: servers and test clients differ in how often they
    decode, and an id such as ``%2F`` must stay ``%2F``."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw.startswith(prefix.encode()):
        path_value = unquote_to_bytes(raw[len(prefix):]).decode("utf-8", "replace")
    if path_value:
        return path_value
    if query_id is not None:
        return query_id
    raise _Error(404, f"no {what} given: open {prefix}ID (or {prefix}?id=ID)")


def _noted(st: Store, tables: tuple[str, ...], body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with ``not_computed`` (the tables behind it that the store lacks) and, when any is
    missing, a ``note`` that says what to run."""
    missing = [t for t in tables if not st.has(t)]
    body["not_computed"] = missing
    if missing:
        body["note"] = (f"not computed for this store: {', '.join(missing)} (the analysis has not "
                        f"run; run 'trendtrace analyze --db FILE' to fill them)")
    return body


# ------------------------------------------------------------------------------------ the app

def create_app(db_path: str | Path, *, allowed_hosts: tuple[str, ...] = LOCAL_HOSTS,  # noqa: C901 (42)
               settings: Settings | None = None, token: str | None = None) -> FastAPI:
    """The dashboard over the store at ``db_path``, opened read-only.

    ``allowed_hosts``: values of the ``Host`` header (without port) that are served; the default
    accepts only local names. ``settings``: report settings (defaults of the settings table).
    ``token``: when given (an exposed dashboard), every request must carry it, as ``?token=`` (which
    then sets an HttpOnly, SameSite=Strict cookie for the links that follow), that cookie, or an
    ``Authorization: Bearer`` header; none → 401, a wrong one → 403 (compared in constant time).
    The ``Host`` check is then skipped: off loopback the token is the access control.
    Raises :class:`StoreNotFound` when the file is missing or cannot be opened read-only.
    """
    path = Path(db_path)
    if not path.is_file():
        raise StoreNotFound(f"no store at {path}: run 'trendtrace ingest' or 'trendtrace analyze' "
                            f"first, or give the right file with --db")
    try:
        root = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreNotFound(f"cannot open the store {path} read-only: {exc}") from exc
    settings = settings or Settings()
    # The dashboard is for the analyst's own machine: it shows real ids, never pseudonyms.
    plain = Pseudonymizer(False)
    lock = threading.Lock()
    hosts = {h.lower() for h in allowed_hosts}
    secret = token.encode("utf-8") if token else None
    csp = content_security_policy() + "; frame-ancestors 'none'"  # the report's policy, hashed once

    app = FastAPI(title="trendtrace", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.db_path = path

    def store() -> Store:
        # One cursor per request: DuckDB connections are not shared across threads.
        with lock:
            cur = root.cursor()
        return Store(cur)

    sql_db: list[duckdb.DuckDBPyConnection] = []

    def sql_cursor() -> duckdb.DuckDBPyConnection:
        """A cursor for the SQL page: its own in-memory database with the store attached read-only
        and, before anything runs, every file access, extension loading and later setting change
        turned off (a database of its own, so the rest of the process keeps its settings)."""
        with lock:
            if not sql_db:
                db = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                        "autoload_known_extensions": False})
                quoted = str(path.resolve()).replace("'", "''")  # the operator's path, as an SQL literal
                db.execute(f"ATTACH '{quoted}' AS store (READ_ONLY)").fetchall()
                for statement in ("SET allowed_directories = []", "SET enable_external_access = false",
                                  "SET lock_configuration = true"):
                    db.execute(statement).fetchall()
                sql_db.append(db)
            cur = sql_db[0].cursor()
        cur.execute("USE store").fetchall()
        return cur

    @functools.lru_cache(maxsize=1)
    def overview() -> dict[str, Any]:
        return report_data(store().con, settings, pseudonymizer=plain)

    def refusal(request: Request) -> tuple[JSONResponse | None, bool]:
        """(the response refusing this request or None, whether to set the token cookie)."""
        if secret is None:
            host = (request.headers.get("host") or "").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if "*" not in hosts and name not in hosts:
                return _json_error(400, f"host {host!r} is not served; the dashboard answers only on "
                                        f"{', '.join(sorted(hosts))}"), False
            return None, False
        auth = request.headers.get("authorization") or ""
        offered = [("header", auth[7:].strip())] if auth[:7].lower() == "bearer " else []
        if TOKEN_COOKIE in request.cookies:
            offered.append(("cookie", request.cookies[TOKEN_COOKIE]))
        if "token" in request.query_params:
            offered.append(("query", request.query_params["token"]))
        if not offered:
            refused = _json_error(401, "this dashboard needs its access token: open the URL that "
                                       "'trendtrace serve --expose' printed (…/?token=…) or send "
                                       "'Authorization: Bearer TOKEN'")
            refused.headers["WWW-Authenticate"] = 'Bearer realm="trendtrace"'
            return refused, False
        for where, value in offered:
            if hmac.compare_digest(value.encode("utf-8", "surrogateescape"), secret):
                return None, where == "query"
        return _json_error(403, "wrong access token"), False

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        response, set_cookie = refusal(request)
        if response is None:
            try:
                response = await call_next(request)
            except Exception:  # answered here, so the error keeps its headers and the connection
                log.exception("dashboard error on %s", request.url.path)
                response = _json_error(500, "internal error; the server log has the details")
            if set_cookie and token:
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path="/")
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "error")
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no page at {request.url.path!r}"
        return _json_error(exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {e.get('msg')}")
        return _json_error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(_Error)
    async def known(request: Request, exc: _Error) -> JSONResponse:
        return _json_error(exc.status, exc.detail)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("dashboard error on %s", request.url.path)
        return _json_error(500, "internal error; the server log has the details")

    def page(template: str, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(render_page(template, d=overview(), exposed=secret is not None, **ctx))

    # ---------------------------------------------------------------- pages

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return page("dash_index.html", nav="home")

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """A constant answer (load tests use it as the baseline of the app's own overhead)."""
        return JSONResponse({"ok": True})

    @app.get("/trends", response_class=HTMLResponse)
    def trends_page(q: Text = None, verdict: Text = None, page_no: Page = 1) -> HTMLResponse:
        rows, total = _trend_rows(store(), q, verdict, page_no)
        return page("dash_trends.html", nav="trends", rows=rows, total=total, page_no=page_no,
                    page_size=PAGE_SIZE, q=q or "", verdict=verdict or "",
                    query={"q": q or "", "verdict": verdict or ""})

    @app.get("/trends/{trend:path}", response_class=HTMLResponse)
    def trend_page(request: Request, trend: str, id_: Id = None) -> HTMLResponse:
        st = store()
        return page("dash_trend.html", nav="trends", trends_status=st.status("trends"),
                    **_trend_detail(st, _key(request, trend, id_, "hashtag", "/trends/")))

    @app.get("/clusters", response_class=HTMLResponse)
    def clusters_page() -> HTMLResponse:
        from ._svg import hour_rows
        d = overview()
        return page("dash_clusters.html", nav="clusters",
                    hour_rows=hour_rows(d.get("hours") or {}, d.get("clusters") or []),
                    tz_label=_tz_label(d))

    @app.get("/clusters/{cluster:path}", response_class=HTMLResponse)
    def cluster_page(request: Request, cluster: str, id_: Id = None) -> HTMLResponse:
        key = _key(request, cluster, id_, "cluster", "/clusters/")
        return page("dash_cluster.html", nav="clusters",
                    **_cluster_detail(store(), overview(), key, settings))

    @app.get("/accounts", response_class=HTMLResponse)
    def accounts_page(q: Text = None, cluster: Text = None, coordinated: bool | None = None,
                      min_score: Score = None, page_no: Page = 1) -> HTMLResponse:
        rows, total = _account_rows(store(), q, cluster, coordinated, min_score, page_no)
        query = {"q": q or "", "cluster": cluster or "",
                 "coordinated": "" if coordinated is None else str(coordinated).lower(),
                 "min_score": "" if min_score is None else str(min_score)}
        return page("dash_accounts.html", nav="accounts", rows=rows, total=total, page_no=page_no,
                    page_size=PAGE_SIZE, query=query)

    @app.get("/accounts/{account_id:path}", response_class=HTMLResponse)
    def account_page(request: Request, account_id: str, id_: Id = None) -> HTMLResponse:
        key = _key(request, account_id, id_, "account id", "/accounts/")
        return page("dash_account.html", nav="accounts", **_account_detail(store(), key, settings))

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = Query(..., min_length=1, max_length=200)) -> HTMLResponse:
        st = store()
        return page("dash_search.html", nav="search", q=q, trends_status=st.status("trends"),
                    **_search(st, q))

    @app.get("/sql", response_class=HTMLResponse)
    def sql_page(q: str = Query("", max_length=SQL_MAX_CHARS), p: SqlParams = None) -> HTMLResponse:
        st = store()
        result, error = None, None
        if q.strip():
            try:
                result = run_sql(sql_cursor(), q, p)
            except _Error as exc:
                error = exc.detail
        tables = {t: sorted(c) for t, c in sorted(st.columns.items())}
        return page("dash_sql.html", nav="sql", q=q, params=p or [], result=result, error=error, tables=tables,
                    max_rows=SQL_MAX_ROWS, seconds=SQL_SECONDS)

    # ---------------------------------------------------------------- downloads and API

    @app.get("/download/{name}.csv")
    def download(name: str, q: Text = None, cluster: Text = None, coordinated: bool | None = None,
                 min_score: Score = None, verdict: Text = None, account: Text = None,
                 min_weight: Weight = None, campaign: Text = None) -> StreamingResponse:
        if name not in CSV_TABLES:
            raise _Error(404, f"no download {name!r}; available: "
                              f"{', '.join(n + '.csv' for n in CSV_TABLES)}")
        where, params = {
            "accounts": lambda: _accounts_filter(q, cluster, coordinated, min_score),
            "trends": lambda: _trends_filter(q, verdict),
            "edges": lambda: _edges_filter(account, min_weight),
            "overlap": lambda: _overlap_filter(campaign),
            "clusters": lambda: ("", []),
        }[name]()
        # Spooled: small results stay in memory, large ones go to a temporary file, never both.
        buf = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - streamed to the client, closed by chunks()
        write_csv(store(), name, buf, plain, where=where, params=params)
        buf.seek(0)

        def chunks() -> Iterator[bytes]:
            try:
                while block := buf.read(65536):
                    yield block
            finally:
                buf.close()

        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"'})

    @app.get("/api/report")
    def api_report() -> JSONResponse:
        return JSONResponse(overview())

    @app.get("/api/trends")
    def api_trends(q: Text = None, verdict: Text = None, page_no: Page = 1) -> JSONResponse:
        st = store()
        rows, total = _trend_rows(st, q, verdict, page_no)
        return JSONResponse(_noted(st, ("trends",), {
            "total": total, "page": page_no, "page_size": PAGE_SIZE, "rows": rows}))

    @app.get("/api/accounts")
    def api_accounts(q: Text = None, cluster: Text = None, coordinated: bool | None = None,
                     min_score: Score = None, page_no: Page = 1) -> JSONResponse:
        st = store()
        rows, total = _account_rows(st, q, cluster, coordinated, min_score, page_no)
        return JSONResponse(_noted(st, _ACCOUNT_TABLES, {
            "total": total, "page": page_no, "page_size": PAGE_SIZE, "rows": rows}))

    @app.get("/api/accounts/{account_id:path}")
    def api_account(request: Request, account_id: str, id_: Id = None) -> JSONResponse:
        st = store()
        key = _key(request, account_id, id_, "account id", "/api/accounts/")
        detail = _account_detail(st, key, settings)
        detail.pop("hours", None)
        return JSONResponse(_noted(st, _ACCOUNT_TABLES + ("edges",), jsonable(detail)))

    @app.get("/api/search")
    def api_search(q: str = Query(..., min_length=1, max_length=200)) -> JSONResponse:
        st = store()
        return JSONResponse(_noted(st, ("trends",) + _ACCOUNT_TABLES, jsonable(_search(st, q))))

    @app.get("/api/sql")
    def api_sql(q: str = Query(..., min_length=1, max_length=SQL_MAX_CHARS), p: SqlParams = None) -> JSONResponse:
        return JSONResponse(jsonable(run_sql(sql_cursor(), q, p)))

    return app


def _tz_label(d: dict) -> str:
    from ._svg import fmt_offset
    home = d.get("home_tz") or {}
    return (f"{home.get('name')} ({fmt_offset(home.get('utc_offset'))})"
            if home.get("utc_offset") is not None else "UTC")


def _trend_rows(st: Store, q: str | None, verdict: str | None, page_no: int) -> tuple[list[dict], int]:
    if not st.has("trends", "trend"):
        return [], 0
    where, params = _trends_filter(q, verdict)
    cond = f"WHERE {where}" if where else ""
    total = int(st.table(f"SELECT count(*) FROM trends {cond}", params).column(0)[0].as_py())
    order = "score DESC NULLS LAST, trend" if st.has("trends", "score") else "trend"
    rows = st.rows(f"SELECT * FROM trends {cond} ORDER BY {order} LIMIT ? OFFSET ?",
                   params + [PAGE_SIZE, (page_no - 1) * PAGE_SIZE])
    for r in rows:
        r["evidence"] = sentences(r.get("evidence"))
    return rows, total


def _account_rows(st: Store, q: str | None, cluster: str | None, coordinated: bool | None,
                  min_score: float | None, page_no: int) -> tuple[list[dict], int]:
    where, params = _accounts_filter(q, cluster, coordinated, min_score)
    base = f"SELECT * FROM ({accounts_sql(st)}) {('WHERE ' + where) if where else ''}"
    total = int(st.table(f"SELECT count(*) FROM ({base})", params).column(0)[0].as_py())
    rows = st.rows(f"{base} ORDER BY coordinated DESC, greatest(coordination_score, "
                   f"coalesce(inauthenticity_score, 0)) DESC, posts DESC, account_id LIMIT ? OFFSET ?",
                   params + [PAGE_SIZE, (page_no - 1) * PAGE_SIZE])
    for r in rows:
        r["reasons"] = sentences(r["reasons"], "; ")
    return rows, total


def _trend_detail(st: Store, trend: str) -> dict[str, Any]:
    rows = st.rows("SELECT * FROM trends WHERE trend = ?", [trend]) if st.has("trends", "trend") else []
    has_posts = st.has("posts", "hashtags", "account_id")
    if not rows and not (has_posts and st.table(
            "SELECT count(*) FROM posts WHERE list_contains(hashtags, ?)", [trend]).column(0)[0].as_py()):
        raise _Error(404, f"no trend {trend!r} in this store")
    # A hashtag in the posts without a trends row (not analysed, or below min_trend_accounts) has
    # no statistics: the page says so instead of failing on the missing fields.
    row = rows[0] if rows else {"trend": trend, "verdict": None}
    row["evidence"] = sentences(row.get("evidence"))
    timeline = _timelines(st, [{"trend": trend}], 1)
    accounts: list[dict] = []
    if has_posts:
        accounts = st.rows(
            f"SELECT x.*, t.n AS trend_posts FROM (SELECT account_id, count(*) AS n FROM posts "
            f"WHERE list_contains(hashtags, ?) GROUP BY 1) t JOIN ({accounts_sql(st)}) x "
            f"ON x.account_id = t.account_id ORDER BY t.n DESC, x.account_id LIMIT ?", [trend, PAGE_SIZE])
        for r in accounts:
            r["reasons"] = sentences(r["reasons"], "; ")
    return {"trend": row, "timeline": timeline[0] if timeline else None, "rows": accounts}


def _cluster_detail(st: Store, d: dict, cluster: str, settings: Settings) -> dict[str, Any]:
    match = [c for c in d.get("clusters") or [] if str(c["cluster"]) == cluster]
    if not match:
        why = "" if st.has("clusters") else " (clusters are not computed: run 'trendtrace analyze')"
        raise _Error(404, f"no cluster {cluster!r} in this store{why}")
    rows, total = _account_rows(st, None, cluster, None, None, 1)
    from ._svg import hour_rows
    hours = d.get("hours") or {}
    net = _network(st, Pseudonymizer(False), int(settings["report_edges"]), int(settings["seed"]),
                   cluster=cluster)
    return {"cluster": match[0], "rows": rows, "total": total, "network": net,
            "hour_rows": hour_rows(hours, match),  # the cluster, then the baseline
            "tz_label": _tz_label(d),
            "network_payload": network_payload(net)}


def _account_detail(st: Store, account_id: str, settings: Settings) -> dict[str, Any]:
    rows = st.rows(f"SELECT * FROM ({accounts_sql(st)}) WHERE account_id = ?", [account_id])
    if not rows:
        raise _Error(404, f"no account {account_id!r} in this store")
    row = rows[0]
    row["reasons"] = sentences(row["reasons"], "; ")
    profile = st.rows("SELECT * FROM accounts WHERE account_id = ?", [account_id]) if st.has(
        "accounts", "account_id") else []
    signals = st.rows("SELECT * FROM account_signals WHERE account_id = ?", [account_id]) if st.has(
        "account_signals", "account_id") else []
    names = st.rows("SELECT * FROM account_names WHERE account_id = ? ORDER BY first_seen",
                    [account_id]) if st.has("account_names", "account_id", "first_seen") else []
    posts = st.rows("SELECT post_id, time, kind, text, hashtags FROM posts WHERE account_id = ? "
                    "ORDER BY time DESC LIMIT 50", [account_id]) if st.has(
        "posts", "post_id", "time", "kind", "text", "hashtags") else []
    net = _network(st, Pseudonymizer(False), PAGE_SIZE, int(settings["seed"]), account=account_id)
    return {"account": row, "profile": profile[0] if profile else {},
            "signals": signals[0] if signals else {}, "names": names, "posts": posts,
            "network": net, "network_payload": network_payload(net)}


def _search(st: Store, q: str) -> dict[str, Any]:
    """Accounts whose handle contains ``q`` (or whose id is ``q``) and trends whose hashtag
    contains it; ``@`` searches handles only, ``#`` hashtags only."""
    term = q.strip()
    want_accounts, want_tags = not term.startswith("#"), not term.startswith("@")
    term = term.lstrip("@#")
    accounts: list[dict] = []
    tags: list[dict] = []
    if want_accounts and term:
        accounts, _ = _account_rows(st, term, None, None, None, 1)
    if want_tags and term:
        if st.has("trends", "trend"):
            tags, _ = _trend_rows(st, term, None, 1)
        elif st.has("posts", "hashtags"):
            tags = st.rows("SELECT h AS trend, NULL::VARCHAR AS verdict, count(*) AS posts FROM "
                           "(SELECT unnest(hashtags) AS h "
                           "FROM posts) WHERE contains(h, lower(?)) GROUP BY 1 ORDER BY 2 DESC LIMIT ?",
                           [term, PAGE_SIZE])
    posts: list[dict] = []
    if want_accounts and want_tags and len(term) >= 3 and st.has("posts", "post_id", "text"):
        # post text, case-insensitive substring; the newest first
        handle = "a.handle" if st.has("accounts", "account_id", "handle") else "NULL"
        join = ("LEFT JOIN (SELECT account_id, any_value(handle) AS handle FROM accounts GROUP BY ALL) a "
                "ON a.account_id = p.account_id" if handle != "NULL" else "")
        posts = st.rows(f"SELECT p.post_id, p.account_id, {handle} AS handle, p.time, p.text FROM posts p {join} "
                        "WHERE contains(lower(p.text), lower(?)) ORDER BY p.time DESC, p.post_id LIMIT ?",
                        [term, POST_MATCHES])
    return {"accounts": accounts, "trends": tags, "posts": posts}


#: Values for the ``?`` placeholders of the SQL page (``?p=...&p=...``, in order).
SqlParams = Annotated[list[str] | None, Query(max_length=500)]
#: Posts listed by a text search (the newest first).
POST_MATCHES = 100
#: The SQL page: longest query, most rows shown, seconds before a query is stopped.
SQL_MAX_CHARS = 5000
SQL_MAX_ROWS = 1000
SQL_SECONDS = 10.0


def run_sql(con: duckdb.DuckDBPyConnection, q: str, params: list[str] | None = None,
            seconds: float | None = None) -> dict[str, Any]:
    """Run one read-only ``SELECT`` (or ``WITH ... SELECT``) for the SQL page: ``?`` placeholders take
    ``params`` in order (values are bound, never pasted into the text; empty values at the end are
    the form's spare fields, not values); at most
    :data:`SQL_MAX_ROWS` rows come back; the query is interrupted after ``seconds`` (default
    :data:`SQL_SECONDS`); ``con`` is closed. The dashboard passes a cursor on which the store is
    attached read-only and file access and configuration changes are disabled (:func:`create_app`).
    Raises ``_Error(400)`` for anything else, with DuckDB's first line as the reason."""
    try:
        statements = duckdb.extract_statements(q)
    except duckdb.Error as exc:
        raise _Error(400, f"SQL: {str(exc).splitlines()[0][:300]}") from None
    if len(statements) != 1:
        raise _Error(400, f"SQL: give exactly one statement (got {len(statements)})")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise _Error(400, f"SQL: only SELECT queries run here (got {statements[0].type.name})")
    values = list(params or [])
    while values and values[-1] == "":  # the form's spare fields: empty at the end means not given
        values.pop()
    limit = SQL_SECONDS if seconds is None else seconds
    timer = threading.Timer(limit, con.interrupt)
    timer.start()
    try:
        rel = con.execute(q, values)
        columns = [d[0] for d in rel.description or []]
        rows = rel.fetchmany(SQL_MAX_ROWS + 1)  # the rest is dropped with the cursor, closed below
    except duckdb.InterruptException:
        raise _Error(400, f"SQL: stopped after {limit:g} s; narrow the query (LIMIT, WHERE)") from None
    except duckdb.Error as exc:
        raise _Error(400, f"SQL: {str(exc).splitlines()[0][:300]}") from None
    finally:
        timer.cancel()
        con.close()
    return {"columns": columns, "rows": [list(r) for r in rows[:SQL_MAX_ROWS]],
            "truncated": len(rows) > SQL_MAX_ROWS}


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening), for :func:`serve`.

    Raises :class:`ServeError` with a one-line message when the port is in use or the address
    cannot be bound. Binding here, before uvicorn starts, leaves no window between a check and the
    real bind."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot use --host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use; choose another with --port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    name = host if ":" not in host or host.startswith("[") else f"[{host}]"
    return f"http://{name}:{port}/"


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8000, *, expose: bool = False,
          announce: Callable[[str], None] = log.warning) -> None:
    """Run the dashboard with uvicorn (blocking until Ctrl-C, which returns normally, or SIGTERM).

    Binds ``host:port`` (default loopback only). A host that is not loopback (:func:`is_loopback`)
    needs ``expose=True``: the app then requires a fresh access token (``secrets.token_urlsafe``),
    which ``announce`` receives once, in the URL to open, with a warning. ``announce`` gets the
    lines for the user (the CLI prints them on stderr; default: the log).
    Raises :class:`ServeError` (host refused, port in use) and :class:`StoreNotFound`.
    """
    import uvicorn

    check_host(host, expose)
    token = secrets.token_urlsafe(32) if expose else None
    app = create_app(db_path, token=token, allowed_hosts=(
        ("*",) if token else LOCAL_HOSTS if host in LOCAL_HOSTS else LOCAL_HOSTS + (host,)))
    sock = listen(host, port)
    url = _url(host, port)
    if token:
        announce(f"serving {db_path} on {url} to the network (Ctrl-C to stop)")
        announce("WARNING: anyone with this token and network access to this machine can read the "
                 "data in the store; do not share the URL")
        announce(f"open {url}?token={token}")
    else:
        announce(f"serving {db_path} on {url} (Ctrl-C to stop)")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown: a normal stop
        pass
    finally:
        sock.close()
