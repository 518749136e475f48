/* trendtrace report and dashboard behaviour (inlined; no external code).
   Every string from the data is placed with textContent, never as HTML. */
(function () {
  "use strict";
  var HIDDEN = /[\u202a-\u202e\u2066-\u2069\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
  function plain(s) {
    if (s === null || s === undefined) return "";
    return String(s).replace(HIDDEN, function (c) {
      return "[U+" + ("0000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + "]";
    });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = plain(text);
    return e;
  }
  function bdi(text) { var b = document.createElement("bdi"); b.textContent = plain(text); return b; }

  /* ---------------------------------------------------------------- sortable, filterable tables */
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v === null) v = td.textContent.trim();
    var n = parseFloat(v);
    return (v !== "" && !isNaN(n) && /^[-+]?[0-9.,e]+/.test(v)) ? n : v.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, col) {
      th.classList.add("sortable");
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = th.getAttribute("data-dir") !== "asc";
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", asc ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          if (x === y) return 0;
          return (x < y ? -1 : 1) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) return;
    // data-filter-cols="0,1": match those columns only (a verdict word in evidence text is no match)
    var cols = (input.getAttribute("data-filter-cols") || "").split(",").filter(function (c) { return c !== ""; })
      .map(Number);
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var text = cols.length ? cols.map(function (c) { return r.cells[c] ? r.cells[c].textContent : ""; }).join(" ")
                               : r.textContent;
        r.style.display = (!q || text.toLowerCase().indexOf(q) >= 0) ? "" : "none";
      });
    });
  });

  /* ---------------------------------------------------------------- every trend: DataTables */
  function allTrends() {
    var holder = document.getElementById("tt-all-trends");
    var src = document.getElementById("tt-trends-data");
    if (!holder || !src || !window.__ttDataTables || holder.getAttribute("data-ready")) return;
    holder.setAttribute("data-ready", "1");
    var $ = window.__ttDataTables.jQuery;
    var payload = JSON.parse(src.textContent);
    var F = {};
    payload.fields.forEach(function (f, i) { F[f] = i; });
    var text = $.fn.dataTable.render.text();
    // shown and searched as text: escaped, so that DataTables' tag stripping before a search
    // cannot hide part of a name that looks like markup
    function safe(d, type) {
      return (type === "display" || type === "filter") ? text.display(plain(d == null ? "" : d)) : d;
    }
    function num(d, type) {
      if (type !== "display") return d == null ? -1 : d;
      return d == null ? "–" : Number(d).toLocaleString("en-US");
    }
    function share(d, type) {
      if (type !== "display") return d == null ? -1 : d;
      return d == null ? "–" : Math.round(d * 100) + "%";
    }
    function usd(row) {
      var lo = row[F.cost_usd_low], hi = row[F.cost_usd_high];
      if (hi == null) return "–";
      return "$" + Number(lo).toLocaleString("en-US") + "–$" + Number(hi).toLocaleString("en-US");
    }
    $(holder).DataTable({
      data: payload.rows,
      deferRender: true,
      pageLength: 25,
      order: [[F.score, "desc"], [F.posts, "desc"]],
      columns: [
        {title: "trend", data: F.trend, render: function (d, type) { return safe(type === "display" ? "#" + d : d, type); }},
        {title: "verdict", data: F.verdict, render: safe},
        {title: "score", data: F.score, className: "num", render: function (d, type) {
          return type === "display" ? (d == null ? "–" : Number(d).toFixed(2)) : (d == null ? -1 : d); }},
        {title: "posts", data: F.posts, className: "num", searchable: false, render: num},
        {title: "accounts", data: F.accounts, className: "num", searchable: false, render: num},
        {title: "coordinated", data: F.coordinated_share, className: "num", searchable: false, render: share},
        {title: "suspect", data: F.inauthentic_share, className: "num", searchable: false, render: share},
        {title: "cost (USD)", data: null, className: "num", searchable: false, orderable: true,
         render: function (d, type, row) { return type === "display" ? usd(row) : (row[F.cost_usd_high] || 0); }},
        {title: "evidence (first sentence)", data: F.evidence, searchable: false, orderable: false, render: safe}
      ]
    });
  }
  allTrends();
  window.addEventListener("tt-datatables", allTrends);

  /* printing shows the folded evidence too */
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });

  /* ---------------------------------------------------------------- network */
  var svg = document.getElementById("tt-network");
  var dataEl = document.getElementById("tt-network-data");
  var panel = document.getElementById("tt-evidence");
  if (!svg || !dataEl || !panel) return;
  var net;
  try { net = JSON.parse(dataEl.textContent); } catch (e) { return; }
  var byId = {};
  net.nodes.forEach(function (n) { byId[n.id] = n; });
  /* evidence rows come as lists in the order of net.fields */
  var F = {};
  (net.fields || []).forEach(function (f, i) { F[f] = i; });
  function field(ev, name) { return Array.isArray(ev) ? ev[F[name]] : ev[name]; }
  function name(id) { var n = byId[id]; return "@" + ((n && n.label) || id); }
  function clearSel() {
    svg.querySelectorAll(".sel").forEach(function (x) { x.classList.remove("sel"); });
  }
  function showEdge(i) {
    var e = net.edges[i];
    if (!e) return;
    clearSel();
    var line = svg.querySelector('line[data-e="' + i + '"]');
    if (line) line.classList.add("sel");
    panel.textContent = "";
    var h = el("h3");
    h.appendChild(bdi(name(e.source)));
    h.appendChild(document.createTextNode(" \u2194 "));
    h.appendChild(bdi(name(e.target)));
    panel.appendChild(h);
    panel.appendChild(el("div", "meta", Number(e.co_actions).toLocaleString("en-US") + " co-actions (" +
      (e.traces || []).join(", ") + "), weight " +
      Number(e.weight).toLocaleString("en-US", {maximumFractionDigits: 1}) +
      ", p = " + (e.p_value === null ? "n/a" : Number(e.p_value).toExponential(1))));
    if (!e.evidence || !e.evidence.length) {
      panel.appendChild(el("p", "muted", "No example posts were kept for this edge."));
      return;
    }
    panel.appendChild(el("p", "muted", "Example posts the two accounts published on the same object:"));
    e.evidence.forEach(function (ev) {
      var box = el("div", "pair");
      box.appendChild(el("div", "meta", (field(ev, "trace") || "") + " \u00b7 object: " + plain(field(ev, "object") || "")));
      [["a", e.source], ["b", e.target]].forEach(function (side) {
        var p = el("div", "post");
        var m = el("div", "meta");
        m.appendChild(bdi(name(side[1])));
        m.appendChild(document.createTextNode(" \u00b7 " + (field(ev, "time_" + side[0]) || "") + " \u00b7 post "));
        var postId = plain(field(ev, "post_" + side[0]) || "");
        var url = field(ev, "url_" + side[0]);
        // a permalink only as the report made it (https://x.com/i/status/ + digits), never from text
        if (typeof url === "string" && /^https:\/\/x\.com\/i\/status\/[0-9]{1,25}$/.test(url)) {
          var a = document.createElement("a");
          a.href = url; a.rel = "noopener noreferrer"; a.target = "_blank"; a.textContent = postId;
          m.appendChild(a);
        } else {
          m.appendChild(document.createTextNode(postId));
        }
        p.appendChild(m);
        var t = el("div", "text");
        t.setAttribute("dir", "auto");
        t.textContent = plain(field(ev, "text_" + side[0]) || "");
        p.appendChild(t);
        box.appendChild(p);
      });
      panel.appendChild(box);
    });
  }
  function showNode(i) {
    var n = net.nodes[i];
    if (!n) return;
    clearSel();
    var c = svg.querySelector('circle[data-n="' + i + '"]');
    if (c) c.classList.add("sel");
    panel.textContent = "";
    var h = el("h3");
    h.appendChild(bdi(name(n.id)));
    panel.appendChild(h);
    panel.appendChild(el("div", "meta", "cluster " + (n.cluster === null ? "none" : n.cluster) + " \u00b7 " +
      n.posts + " posts \u00b7 coordination " + (n.coordination_score === null ? "n/a" : n.coordination_score) +
      " \u00b7 inauthenticity " + (n.inauthenticity_score === null ? "n/a" : n.inauthenticity_score)));
    var list = el("ul");
    net.edges.forEach(function (e, k) {
      if (e.source !== n.id && e.target !== n.id) return;
      var line = svg.querySelector('line[data-e="' + k + '"]');
      if (line) line.classList.add("sel");
      var li = el("li");
      var b = el("button");
      b.type = "button";
      b.appendChild(bdi(name(e.source === n.id ? e.target : e.source)));
      b.appendChild(document.createTextNode(" (" + e.co_actions + " co-actions)"));
      b.addEventListener("click", function () { showEdge(k); });
      li.appendChild(b);
      list.appendChild(li);
    });
    panel.appendChild(el("p", "muted", "Linked accounts (click for the evidence):"));
    panel.appendChild(list);
  }
  svg.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.hasAttribute && t.hasAttribute("data-e")) showEdge(+t.getAttribute("data-e"));
    else if (t.hasAttribute && t.hasAttribute("data-n")) showNode(+t.getAttribute("data-n"));
  });
  var filter = document.getElementById("tt-cluster-filter");
  if (filter) filter.addEventListener("change", function () {
    var v = filter.value;
    svg.querySelectorAll("circle.node, text.nlabel").forEach(function (c) {
      c.classList.toggle("dim", v !== "" && c.getAttribute("data-cluster") !== v);
    });
    svg.querySelectorAll("line.edge").forEach(function (l) {
      var e = net.edges[+l.getAttribute("data-e")];
      var ca = byId[e.source], cb = byId[e.target];
      var keep = v === "" || String(ca && ca.cluster) === v || String(cb && cb.cluster) === v;
      l.classList.toggle("dim", !keep);
    });
  });
  /* zoom with the wheel, pan by dragging */
  var vp = svg.querySelector("g.viewport");
  var s = 1, tx = 0, ty = 0, drag = null;
  function apply() {
    vp.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + s + ")");
    // handles appear from 2.5× zoom on, at a constant size on screen
    svg.classList.toggle("zoomed", s >= 2.5);
    svg.style.setProperty("--label-size", (10 / s).toFixed(2) + "px");
  }
  function point(ev) {
    var r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    return [(ev.clientX - r.left) * vb.width / r.width, (ev.clientY - r.top) * vb.height / r.height];
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = point(ev), k = ev.deltaY < 0 ? 1.2 : 1 / 1.2, ns = Math.min(12, Math.max(0.5, s * k));
    tx = p[0] - (p[0] - tx) * ns / s; ty = p[1] - (p[1] - ty) * ns / s; s = ns; apply();
  }, { passive: false });
  svg.addEventListener("mousedown", function (ev) {
    if (ev.target.tagName === "svg" || ev.target === vp) drag = [point(ev), tx, ty];
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    var p = point(ev); tx = drag[1] + p[0] - drag[0][0]; ty = drag[2] + p[1] - drag[0][1]; apply();
  });
  window.addEventListener("mouseup", function () { drag = null; });
  var reset = document.getElementById("tt-network-reset");
  if (reset) reset.addEventListener("click", function () { s = 1; tx = 0; ty = 0; apply(); });
})();
