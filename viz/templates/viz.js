/* ReformKG graph views: draw the view model embedded in the page with vis-network.
 *
 * The data (nodes, edges, side panels) comes as JSON in <script id="rk-data">. Every text from
 * the data is put in the page with textContent / createTextNode, never innerHTML, so a label
 * such as "<script>" shows as text. Positions are computed on the server; physics is off, so
 * the page is interactive as soon as it is drawn. Signals for tests and benchmarks:
 *   window.reformkgStats = {nodes, edges, ...}   what is drawn (after filters)
 *   window.reformkgReady = true                    after the first drawing
 *   window.reformkgNetwork                         the vis.Network (positions, selection)
 *   window.reformkgShow(id)                        open the side panel of a node or an edge
 *   window.reformkgFind(text)                      the find box: highlight, centre, open (→ id)
 * Standalone files (no server) filter in the page from URL parameters, with the same rules as
 * the server: a measure passes when it matches every filter; a node stays when one of its
 * measures passes; an edge stays when both ends stay and (if it carries measures) one passes.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("rk-data").textContent);
  window.reformkgReady = false;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  // ------------------------------------------------------------------ standalone filters
  var params = new URLSearchParams(window.location.search);
  var FILTERS = ["doc", "theme", "place", "agency", "measure"];
  var active = {};
  FILTERS.forEach(function (k) {
    var v = (params.get(k) || "").trim();
    if (v) active[k] = v;
  });
  var nodes = data.nodes, edges = data.edges;
  if (data.standalone && data.measures && Object.keys(active).length) {
    var pass = data.measures.map(function (m) {
      return (!active.doc || m.doc === active.doc) &&
        (!active.theme || m.themes.indexOf(active.theme) >= 0) &&
        (!active.place || m.places.indexOf(active.place) >= 0) &&
        (!active.agency || m.agencies.indexOf(active.agency) >= 0) &&
        (!active.measure || m.id === active.measure);
    });
    var anyPass = function (ms) { return ms.filter(function (i) { return pass[i]; }).length; };
    // the evolution view keeps every lineage touched whole, its other members muted
    var lineageKept = {};
    nodes.forEach(function (n) { if (n.lin && n.ms && anyPass(n.ms) > 0) lineageKept[n.lin] = true; });
    nodes = nodes.filter(function (n) {
      return !n.ms || anyPass(n.ms) > 0 || (n.lin && lineageKept[n.lin]);
    }).map(function (n) {
      if (!n.lin || !n.ms || anyPass(n.ms) > 0) return n;
      var copy = Object.assign({}, n);
      copy.color = {background: data.muted || "#e4e7eb",
                    border: (typeof n.color === "string" ? n.color : n.color.border)};
      return copy;
    });
    var keep = {};
    nodes.forEach(function (n) { keep[n.id] = true; });
    edges = edges.filter(function (e) {
      return keep[e.from] && keep[e.to] && (!e.ms || anyPass(e.ms) > 0);
    }).map(function (e) {
      if (!e.ms) return e;
      var w = anyPass(e.ms), copy = Object.assign({}, e);
      copy.weight = w;
      copy.title = "共同承担 " + w + " 项举措 (shared measures: " + w + ")";
      return copy;
    });
    var notices = document.getElementById("rk-notices");
    Object.keys(active).forEach(function (k) {
      notices.appendChild(el("li", "筛选 filtered by " + k + " = " + active[k]));
    });
  }
  var form = document.getElementById("rk-filters");
  if (form && data.standalone) {
    FILTERS.forEach(function (k) {
      var field = form.elements[k];
      if (field && active[k]) field.value = active[k];
    });
  }
  window.reformkgStats = Object.assign({}, data.stats, {nodes: nodes.length, edges: edges.length,
                                                        view: data.view});
  var stats = document.getElementById("rk-stats");
  if (stats) stats.textContent = nodes.length + " 个节点 nodes · " + edges.length + " 条边 edges";

  // ------------------------------------------------------------------ side panel
  var panel = document.getElementById("rk-panel");
  var body = document.getElementById("rk-panel-body");

  function link(href, text) {
    var a = el("a", text);
    a.href = href;
    return a;
  }

  function renderDiff(ops, target) {
    var box = el("div", null, "rk-diff");
    ops.forEach(function (op) {
      var tag = op[0], a = op[1], b = op[2];
      if (tag === "equal") box.appendChild(document.createTextNode(a));
      if ((tag === "delete" || tag === "replace") && a) box.appendChild(el("del", a));
      if ((tag === "insert" || tag === "replace") && b) box.appendChild(el("ins", b));
    });
    target.appendChild(box);
  }

  function renderLink(p, target) {
    target.appendChild(el("p", p.relation_text, "rk-sub"));
    [["较新 later", p.a], ["较早 earlier", p.b]].forEach(function (pair) {
      var para = el("p");
      para.appendChild(el("strong", pair[0] + "："));
      para.appendChild(link(pair[1].href, pair[1].label));
      para.appendChild(el("span", pair[1].doc, "rk-note"));
      target.appendChild(para);
    });
    target.appendChild(el("h3", "名称差异 Name difference"));
    renderDiff(p.name_ops, target);
    target.appendChild(el("h3", "做法差异 Text difference (删 deleted / 增 inserted)"));
    renderDiff(p.text_ops, target);
  }

  function show(id) {
    var p = data.panels[id];
    if (!p) { hide(); return false; }
    body.textContent = "";
    body.dataset.id = id;
    body.dataset.kind = p.kind;
    body.appendChild(el("h2", p.title));
    if (p.subtitle) body.appendChild(el("p", p.subtitle, "rk-sub"));
    if (p.href) body.appendChild(link(p.href, "打开页面 Open page →"));
    if (p.lineage) {
      body.appendChild(document.createTextNode(" · "));
      body.appendChild(link(p.lineage, "各版本并排对照 Versions side by side →"));
    }
    if (p.facts && p.facts.length) {
      var dl = el("dl");
      p.facts.forEach(function (f) { dl.appendChild(el("dt", f[0])); dl.appendChild(el("dd", f[1])); });
      body.appendChild(dl);
    }
    if (p.kind === "link") renderLink(p, body);
    if (p.text) { body.appendChild(el("h3", "创新做法 Practice")); body.appendChild(el("p", p.text)); }
    if (p.links && p.links.length) {
      body.appendChild(el("h3", "关联 Links"));
      p.links.forEach(function (l) {
        var b = el("button", l.relation + "：" + l.label, "rk-linkbtn");
        b.type = "button";
        b.addEventListener("click", function () { show(l.edge); });
        body.appendChild(b);
        body.appendChild(el("br"));
      });
    }
    if (p.diff_of && data.panels[p.diff_of]) {
      var diffBox = el("section", null, "rk-measure-diff");
      renderLink(data.panels[p.diff_of], diffBox);
      body.appendChild(diffBox);
    }
    if (p.items && p.items.length) {
      body.appendChild(el("h3", p.items_title || "举措 Measures"));
      var ol = el("ol");
      p.items.forEach(function (it) {
        var li = el("li");
        li.appendChild(it.href ? link(it.href, it.label) : el("span", it.label));
        if (it.note) li.appendChild(el("span", it.note, "rk-note"));
        ol.appendChild(li);
      });
      body.appendChild(ol);
      if (p.more) body.appendChild(el("p", "另有 " + p.more + " 项未列出 (" + p.more + " more not listed)", "rk-note"));
    }
    panel.hidden = false;
    return true;
  }

  function hide() { panel.hidden = true; body.textContent = ""; delete body.dataset.id; }
  document.getElementById("rk-panel-close").addEventListener("click", hide);
  window.reformkgShow = show;

  // ------------------------------------------------------------------ the network
  var container = document.getElementById("rk-network");
  var many = edges.length > 800 || nodes.length > 400;
  var options = {
    physics: false,
    layout: {improvedLayout: false},
    interaction: {hover: true, tooltipDelay: 150, hideEdgesOnDrag: many, hideEdgesOnZoom: many,
                  navigationButtons: false, keyboard: false},
    nodes: {shape: "dot", borderWidth: 1, font: {face: data.font, size: 14, color: "#1f2a33"},
            scaling: {label: {drawThreshold: 7}}},
    edges: {smooth: false, color: {color: "#aab7c4", highlight: "#1f3a4d", hover: "#1f3a4d",
                                    opacity: 0.8},
            font: {face: data.font, size: 11}},
  };
  var network = new vis.Network(container, {nodes: new vis.DataSet(nodes),
                                            edges: new vis.DataSet(edges)}, options);
  window.reformkgNetwork = network;
  if (data.columns) {
    network.on("beforeDrawing", function (ctx) {
      ctx.save();
      ctx.font = "bold 18px " + data.font;
      ctx.fillStyle = "#1f3a4d";
      ctx.textAlign = "center";
      data.columns.forEach(function (c) {
        if (c.colour) { ctx.fillStyle = c.colour; ctx.fillRect(c.x - 110, c.y - 34, 220, 5); ctx.fillStyle = "#1f3a4d"; }
        ctx.fillText(c.label, c.x, c.y);
        if (c.sub) { ctx.font = "14px " + data.font; ctx.fillText(c.sub, c.x, c.y + 22);
                     ctx.font = "bold 18px " + data.font; }
      });
      ctx.restore();
    });
  }
  // After a click the side panel says it all: the hover tooltip is hidden, and stays hidden
  // while the pointer rests on what was clicked (vis-network would show it again).
  var quiet = false;
  function hideTooltip() {
    var tip = container.querySelector(".vis-tooltip");
    if (tip) tip.style.visibility = "hidden";
  }
  network.on("showPopup", function () { if (quiet) hideTooltip(); });
  ["blurNode", "blurEdge"].forEach(function (ev) {
    network.on(ev, function () { quiet = false; });
  });
  network.on("click", function (params) {
    quiet = params.nodes.length > 0 || params.edges.length > 0;
    hideTooltip();
    if (params.nodes.length) show(params.nodes[0]);
    else if (params.edges.length) {
      var e = params.edges[0];
      if (!show(e)) {
        // an edge with no panel of its own shows the node it starts from
        var ends = network.getConnectedNodes(e);
        if (ends.length) show(ends[0]);
      }
    } else hide();
  });
  network.on("dragStart", hideTooltip);

  // ------------------------------------------------------------------ first view
  // The server says which part to open on (data.focus: a box in canvas coordinates, and for
  // the agency network a smallest scale that keeps the busiest labels legible).
  function applyFocus(f) {
    var w = container.clientWidth, h = container.clientHeight;
    var bw = Math.max(f.x1 - f.x0, 1), bh = Math.max(f.y1 - f.y0, 1);
    var scale = Math.min(w / bw, f.top ? Infinity : h / bh, f.max || 1.2);
    if (f.min && scale < f.min) scale = f.min;
    var cx = (f.x0 + f.x1) / 2, cy = (f.y0 + f.y1) / 2;
    if (f.top && bh * scale > h) cy = f.y0 + h / 2 / scale;
    network.moveTo({position: {x: cx, y: cy}, scale: scale, animation: false});
  }

  // ------------------------------------------------------------------ find box
  // Canonical names, aliases and printed short names (data.find: node id → keys, already
  // simplified and lower-cased on the server; data.t2s maps the traditional characters of
  // those keys to simplified ones, so 市場監管局 finds what 市场监管局 finds).
  var t2s = data.t2s || {};
  function norm(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) { var c = text[i]; out += t2s[c] || c; }
    return out.replace(/\s+/g, "").toLowerCase();
  }
  var findKeys = data.find || {};
  var present = {};
  nodes.forEach(function (n) { present[n.id] = n; });
  function find(query) {
    var q = norm(query || "");
    if (!q) return [];
    var exact = [], part = [];
    Object.keys(findKeys).forEach(function (id) {
      if (!present[id]) return;
      var keys = findKeys[id];
      if (keys.indexOf(q) >= 0) exact.push(id);
      else if (keys.some(function (k) { return k.indexOf(q) >= 0; })) part.push(id);
    });
    var rank = function (a, b) { return (present[b].rank || 0) - (present[a].rank || 0) || (a < b ? -1 : 1); };
    return exact.sort(rank).concat(part.sort(rank));
  }
  function focusOn(id) {
    var around = [id].concat(network.getConnectedNodes(id));
    network.selectNodes(around, true);
    network.fit({nodes: around, animation: false});
    if (network.getScale() > 1.4) network.moveTo({scale: 1.4, animation: false});
    if (network.getScale() < 0.6) network.moveTo({position: network.getPositions([id])[id], scale: 0.6, animation: false});
    show(id);
  }
  var findForm = document.getElementById("rk-find");
  var findList = document.getElementById("rk-find-results");
  function runFind(query) {
    var hits = find(query);
    if (findList) {
      findList.textContent = "";
      if (!hits.length && query) findList.appendChild(el("li", "没有找到 nothing found", "rk-note"));
      hits.slice(1, 8).forEach(function (id) {
        var b = el("button", present[id].title ? String(present[id].title).split("\n")[0] : id, "rk-linkbtn");
        b.type = "button";
        b.addEventListener("click", function () { focusOn(id); });
        var li = el("li"); li.appendChild(b); findList.appendChild(li);
      });
    }
    if (hits.length) focusOn(hits[0]);
    return hits.length ? hits[0] : null;
  }
  if (findForm) {
    findForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      runFind(findForm.elements.q.value);
    });
  }
  window.reformkgFind = runFind;

  network.once("afterDrawing", function () {
    if (data.focus) applyFocus(data.focus);
    network.once("afterDrawing", function () {
      window.reformkgReady = true;
      document.body.dataset.ready = "true";
    });
    network.redraw();
  });
})();
