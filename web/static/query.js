/* The query page: examples, run, results table (sortable), downloads, share link, search.
 *
 * Talks only to this server: POST /sparql (SPARQL protocol, JSON results), GET /queries (the
 * named queries), GET /search (full-text search). Every value from the data is inserted as
 * text (textContent), never as HTML; the only HTML inserted is the search snippet, which the
 * server has escaped and marked up.
 */
(function () {
  "use strict";

  var PREFIXES = JSON.parse(document.getElementById("prefix-data").textContent);
  var ID_BASE = PREFIXES.id;
  var DEFAULT_PREFIXES = ["rk", "id", "rdfs", "skos", "dcterms", "prov", "org", "xsd"];
  var ONTOLOGY_GRAPH = "https://w3id.org/reformkg/graph/ontology";

  var $ = function (id) { return document.getElementById(id); };
  var editor = new window.SparqlEditor($("editor"));
  var examples = [];
  var lastResult = null;   // {head: {vars}, results: {bindings}} of the last SELECT
  var sortState = { col: -1, dir: 1 };

  function prefixBlock(names) {
    return names.map(function (p) { return "PREFIX " + p + ": <" + PREFIXES[p] + ">"; }).join("\n");
  }

  var DEFAULT_QUERY = prefixBlock(DEFAULT_PREFIXES) + "\n\n" +
    "SELECT ?measure ?name ?document WHERE {\n" +
    "  ?measure a rk:Measure ;\n" +
    "           rdfs:label ?name ;\n" +
    "           rk:inDocument ?document .\n" +
    "}\nORDER BY ?document ?measure\nLIMIT 50\n";

  /** Text without IRIs, strings and comments: where prefix use is looked for. */
  function codeOnly(q) {
    return q.replace(/<[^<>\s]*>/g, " ").replace(/"""[\s\S]*?"""|'''[\s\S]*?'''/g, " ")
      .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ").replace(/#[^\n]*/g, " ");
  }

  /** Add PREFIX lines for the known prefixes the query uses but does not declare. */
  function declaredPrefixes(code) {
    var declared = {}, m, decl = /PREFIX\s+([A-Za-z][\w-]*)?\s*:/gi;
    while ((m = decl.exec(code)) !== null) { declared[m[1] || ""] = true; }
    return declared;
  }

  function withPrefixes(q) {
    var code = codeOnly(q), declared = declaredPrefixes(code), missing = [];
    Object.keys(PREFIXES).forEach(function (p) {
      if (declared[p]) { return; }
      if (new RegExp("(^|[\\s(){}\\[\\],;/^|!=<>])" + p + ":", "m").test(code)) { missing.push(p); }
    });
    return { text: missing.length ? prefixBlock(missing) + "\n" + q : q, added: missing };
  }

  function localHref(iri) {
    if (iri.indexOf(ID_BASE) === 0 && iri.indexOf("?") < 0 && iri.indexOf("#") < 0) {
      return "/id/" + iri.slice(ID_BASE.length);
    }
    return "/resource?iri=" + encodeURIComponent(iri);
  }

  function compact(iri) {
    var best = null;
    Object.keys(PREFIXES).forEach(function (p) {
      var ns = PREFIXES[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > PREFIXES[best].length)) {
        best = p;
      }
    });
    return best ? best + ":" + iri.slice(PREFIXES[best].length) : iri;
  }

  function setStatus(text, isError) {
    var st = $("status");
    st.textContent = text;
    st.className = "status" + (isError ? " error" : "");
  }

  // ------------------------------------------------------------------ running queries

  function sparql(query, accept) {
    var body = new URLSearchParams();
    body.set("query", query);
    if ($("inference").checked) { body.set("inference", "true"); }
    return fetch("/sparql", {
      method: "POST",
      headers: { "Accept": accept || "application/sparql-results+json",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    });
  }

  function run() {
    var prepared = withPrefixes(editor.getValue());
    if (!editor.getValue().trim()) { setStatus("查询为空。The query is empty.", true); return; }
    updateShareLink(false);
    setStatus("运行中… Running…");
    $("run").disabled = true;
    var started = performance.now();
    sparql(prepared.text, "application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1")
      .then(function (resp) {
        return resp.text().then(function (body) { return { resp: resp, body: body }; });
      })
      .then(function (r) {
        var ms = Math.round(performance.now() - started);
        var type = r.resp.headers.get("content-type") || "";
        if (!r.resp.ok) { showError(r.resp.status, r.body, prepared); return; }
        var note = prepared.added.length ? " · 已补 PREFIX added " + prepared.added.join(", ") : "";
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(r.body);
          if (typeof data.boolean === "boolean") {
            lastResult = null;
            showRaw("ASK → " + data.boolean);
            setStatus("ASK 已回答 answered · " + ms + " ms" + note);
          } else {
            lastResult = data;
            sortState = { col: -1, dir: 1 };
            renderTable();
            var n = data.results.bindings.length;
            setStatus(n + " 行 rows · " + ms + " ms" + note + (n === 0 ? unboundHint() : ""));
          }
        } else {
          lastResult = null;
          showRaw(r.body);
          setStatus("图结果 Graph result (" + type.split(";")[0] + ") · " + ms + " ms" + note);
        }
      })
      .catch(function (err) { setStatus("无法连接服务器 The server could not be reached: " + err, true); })
      .then(function () { $("run").disabled = false; });
  }

  /** The selected named question's parameters that the editor's text leaves unbound. */
  function unboundParams() {
    var q = examples[Number($("examples").value)];
    if (!q || $("examples").value === "") { return []; }
    var code = codeOnly(editor.getValue());
    return (q.parameters || []).filter(function (p) {
      return !new RegExp("VALUES\\s*\\(?[^{]*\\?" + p.name + "\\b").test(code);
    }).map(function (p) { return p.name; });
  }

  function unboundHint() {
    var names = unboundParams();
    if (!names.length) { return ""; }
    return " · 提示：参数 " + names.map(function (n) { return "?" + n; }).join("、") +
      " 未绑定，相关条件不成立。请在“常用问题”页面填写参数后运行。Hint: the parameters are unbound here; run the question from its page.";
  }

  /** One sentence for a failed query: where (line and column of the editor's own text, the
   * PREFIX lines added on running not counted), what, and a hint for the common cases. */
  function explain(message, prepared) {
    var text = editor.getValue();
    var at = /error at (\d+):(\d+)/.exec(message);
    if (!at) { return { sentence: message.split("\n")[0] }; }
    var line = Number(at[1]) - prepared.added.length, col = Number(at[2]);
    var lines = text.split("\n");
    if (line < 1 || line > lines.length) { return { sentence: message.split("\n")[0] }; }
    var offset = lines.slice(0, line - 1).reduce(function (n, l) { return n + l.length + 1; }, 0) + col - 1;
    var before = lines[line - 1].slice(0, col - 1), after = lines[line - 1].slice(col - 1);
    var head = (/[\w-]*:[^\s{}()<>,;]*$/.exec(before) || [""])[0];
    var token = head + (/^[^\s{}()<>,;.]*/.exec(after) || [""])[0];
    // the parser may point past a prefixed name: mark and report where the name starts
    col -= head.length;
    offset -= head.length;
    // a '/' inside a prefixed name (id:agency/x) breaks the parse further on: point at it
    var slashed = /(^|[\s(){}\[\],;^|!=])([A-Za-z][\w-]*):([\w.-]*\/[^\s{}()<>,;]*)/.exec(codeOnly(text));
    if (slashed && token.indexOf("/") < 0) {
      offset = slashed.index + slashed[1].length;
      token = slashed[2] + ":" + slashed[3];
      line = text.slice(0, offset).split("\n").length;
      col = offset - text.lastIndexOf("\n", offset - 1);
    }
    var where = "第 " + line + " 行第 " + col + " 列 (line " + line + ", column " + col + ")";
    var hint = "";
    var prefix = /^([\w-]*):/.exec(token);
    if (/Prefix not found/.test(message) && prefix) {
      hint = "未知前缀 “" + prefix[1] + ":”：请在查询开头加上 PREFIX " + prefix[1] + ": <…> 行。Unknown prefix " + prefix[1] + ": declare it with a PREFIX line.";
      if (token.indexOf("/") >= 0) {
        hint = "前缀名中不能直接写 “/”：请写完整 IRI <" + (PREFIXES[prefix[1]] || "…") + token.slice(prefix[0].length) + "> 或把 / 写成 \\/。A '/' cannot stand in a prefixed name: write the full IRI in <…> or escape it as \\/.";
      }
    } else if (token.indexOf("/") >= 0 && prefix) {
      hint = "前缀名中不能直接写 “/”：请写完整 IRI <" + (PREFIXES[prefix[1]] || "…") + token.slice(prefix[0].length) + "> 或把 / 写成 \\/。A '/' cannot stand in a prefixed name: write the full IRI in <…> or escape it as \\/.";
    } else if (/Prefix not found/.test(message)) {
      hint = "未声明的前缀。Undeclared prefix.";
    } else {
      var wanted = (message.match(/"[^"]+"/g) || []).slice(0, 6).join(" ");
      hint = "此处语法有误" + (wanted ? "，应为 " + wanted + " 等" : "") + "。The query cannot be read here" +
        (wanted ? "; expected e.g. " + wanted : "") + (after.trim() === "" && line === lines.length ? " (is a } missing at the end?)" : "") + ".";
    }
    return { sentence: where + "：" + hint, offset: offset, length: Math.max(1, token.length || 1) };
  }

  function showError(status, body, prepared) {
    var msg = body;
    try {
      var j = JSON.parse(body);
      msg = (j.error && j.error.message) || j.message || j.detail || body;
      if (typeof msg !== "string") { msg = JSON.stringify(msg); }
    } catch (e) { /* plain text error */ }
    lastResult = null;
    $("results").hidden = true;
    $("downloads").hidden = true;
    var explained = explain(msg, prepared || { added: [] });
    if (explained.offset !== undefined) {
      var start = explained.offset - (explained.length > 1 ? 0 : 0);
      editor.markError(start, start + explained.length);
    }
    setStatus("错误 Error " + status + "：" + explained.sentence, true);
  }

  function showRaw(text) {
    var wrap = $("results");
    wrap.textContent = "";
    var pre = document.createElement("pre");
    pre.className = "rawresult";
    pre.textContent = text;
    wrap.appendChild(pre);
    wrap.hidden = false;
    $("downloads").hidden = true;
  }

  // ------------------------------------------------------------------ results table

  function cell(binding) {
    var td = document.createElement("td");
    if (!binding) { return td; }
    if (binding.type === "uri") {
      var a = document.createElement("a");
      a.href = localHref(binding.value);
      a.title = binding.value;
      a.textContent = compact(binding.value);
      td.appendChild(a);
    } else if (binding.type === "bnode") {
      td.textContent = "_:" + binding.value;
    } else {
      var span = document.createElement("span");
      span.textContent = binding.value;
      if (binding["xml:lang"]) { span.lang = binding["xml:lang"]; }
      td.appendChild(span);
      var tag = binding["xml:lang"] ? "@" + binding["xml:lang"] : "";
      if (tag) {
        var t = document.createElement("span");
        t.className = "lang";
        t.textContent = " " + tag;
        td.appendChild(t);
      }
    }
    return td;
  }

  var NUMERIC = /#(integer|decimal|double|float|int|long|short|nonNegativeInteger|positiveInteger)$/;

  function sortKey(b) {
    if (!b) { return { n: null, s: "" }; }
    if (b.type === "literal" && b.datatype && NUMERIC.test(b.datatype)) {
      return { n: Number(b.value), s: b.value };
    }
    return { n: null, s: b.type === "uri" ? compact(b.value) : b.value };
  }

  function compareBindings(a, b) {
    var ka = sortKey(a), kb = sortKey(b);
    if (!a && b) { return 1; }
    if (a && !b) { return -1; }
    if (ka.n !== null && kb.n !== null) { return ka.n - kb.n; }
    return ka.s.localeCompare(kb.s, "zh-Hans-CN", { numeric: true });
  }

  function renderTable() {
    var vars = lastResult.head.vars || [];
    var rows = shownRows();
    var table = document.createElement("table");
    table.className = "grid results";
    var thead = table.createTHead().insertRow();
    var hn = document.createElement("th");
    hn.textContent = "#";
    thead.appendChild(hn);
    vars.forEach(function (name, i) {
      var th = document.createElement("th");
      th.className = "sortable";
      th.textContent = "?" + name;
      th.dataset.col = String(i);
      th.setAttribute("aria-sort", sortState.col === i ? (sortState.dir > 0 ? "ascending" : "descending") : "none");
      th.addEventListener("click", function () {
        sortState = { col: i, dir: sortState.col === i ? -sortState.dir : 1 };
        renderTable();
      });
      thead.appendChild(th);
    });
    var tbody = table.createTBody();
    rows.forEach(function (r, n) {
      var tr = tbody.insertRow();
      var num = document.createElement("td");
      num.className = "rownum";
      num.textContent = String(n + 1);
      tr.appendChild(num);
      vars.forEach(function (name) { tr.appendChild(cell(r[name])); });
    });
    var wrap = $("results");
    wrap.textContent = "";
    wrap.appendChild(table);
    wrap.hidden = false;
    $("downloads").hidden = false;
  }

  // ------------------------------------------------------------------ downloads

  function plain(b) { return b ? b.value : ""; }

  // A cell a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading
  // apostrophe, unless it is a plain number: the rule of reformkg/spreadsheet.py `neutralise`,
  // which every CSV the server writes follows (docs/pages.md, "Downloads").
  var FORMULA = /^[=+\-@\t\r]/, NUMBER = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
  function neutralise(s) { return FORMULA.test(s) && !NUMBER.test(s) ? "'" + s : s; }

  function csvField(s) {
    s = neutralise(s);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function tsvTerm(b) {
    if (!b) { return ""; }
    if (b.type === "uri") { return "<" + b.value + ">"; }
    if (b.type === "bnode") { return "_:" + b.value; }
    var s = '"' + b.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r").replace(/\t/g, "\\t") + '"';
    if (b["xml:lang"]) { return s + "@" + b["xml:lang"]; }
    if (b.datatype) { return s + "^^<" + b.datatype + ">"; }
    return s;
  }

  /** The rows in the order the table shows them (the on-screen sort). */
  function shownRows() {
    var vars = lastResult.head.vars || [];
    var rows = lastResult.results.bindings.slice();
    if (sortState.col < 0) { return rows; }
    var v = vars[sortState.col];
    return rows.map(function (r, i) { return { r: r, i: i }; }).sort(function (x, y) {
      return (compareBindings(x.r[v], y.r[v]) * sortState.dir) || (x.i - y.i);
    }).map(function (x) { return x.r; });
  }

  /** The download's name: the named question's, or "query". */
  function downloadName() {
    var q = examples[Number($("examples").value)];
    return q && $("examples").value !== "" && editor.getValue() === q.text ? q.name : "query";
  }

  function download(kind) {
    if (!lastResult) { return; }
    var vars = lastResult.head.vars, rows = shownRows(), text, type;
    if (kind === "csv") {
      // UTF-8 with a byte-order mark so that a spreadsheet reads Chinese right
      text = "\ufeff" + [vars.map(csvField).join(",")].concat(rows.map(function (r) {
        return vars.map(function (v) { return csvField(plain(r[v])); }).join(",");
      })).join("\r\n") + "\r\n";
      type = "text/csv";
    } else if (kind === "tsv") {
      text = [vars.map(function (v) { return "?" + v; }).join("\t")].concat(rows.map(function (r) {
        return vars.map(function (v) { return tsvTerm(r[v]); }).join("\t");
      })).join("\n") + "\n";
      type = "text/tab-separated-values";
    } else {
      text = JSON.stringify({ head: lastResult.head, results: { bindings: rows } }, null, 2);
      type = "application/sparql-results+json";
    }
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type + ";charset=utf-8" }));
    a.download = downloadName() + "." + kind;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  // ------------------------------------------------------------------ sharing

  function shareUrl() {
    return location.origin + "/?query=" + encodeURIComponent(editor.getValue()) +
      ($("inference").checked ? "&inference=true" : "");
  }

  function updateShareLink(open) {
    var url = shareUrl();
    history.replaceState(null, "", url);
    $("sharelink").value = url;
    if (open) { $("share").classList.add("open"); }
  }

  // ------------------------------------------------------------------ examples, vocabulary, search

  /** The named queries, embedded in the page by the server (name, title, description, text). */
  function loadExamples() {
    examples = JSON.parse($("example-data").textContent);
    var sel = $("examples");
    examples.forEach(function (q, i) {
      var opt = document.createElement("option");
      opt.value = String(i);
      opt.textContent = q.title ? q.title + (q.title_en ? " · " + q.title_en : "") : q.name;
      sel.appendChild(opt);
    });
  }

  function pickExample() {
    var q = examples[Number($("examples").value)];
    var run = $("example-run");
    if (!q || $("examples").value === "") { $("example-desc").textContent = ""; run.hidden = true; return; }
    editor.setValue(q.text || "");
    var params = (q.parameters || []).map(function (p) {
      return p.name + (p.default ? " (default " + p.default + ")" : "");
    });
    $("example-desc").textContent = (q.description || "") + (params.length ? "  参数 Parameters: " +
      params.join(", ") + "。在编辑器中它们未绑定（任意值）；在问题页面填写。In the editor they are unbound; the question's page binds them." : "");
    run.href = "/queries/" + encodeURIComponent(q.name) + "?format=html";
    run.hidden = params.length === 0;
  }

  function loadVocabulary() {
    var q = "PREFIX rdfs: <" + PREFIXES.rdfs + ">\n" +
      "SELECT ?term ?kind ?label WHERE { GRAPH <" + ONTOLOGY_GRAPH + "> {\n" +
      "  ?term a ?kind . FILTER(STRSTARTS(STR(?term), \"" + PREFIXES.rk + "\"))\n" +
      "  OPTIONAL { ?term rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), \"en\") || LANG(?label) = \"\") }\n" +
      "} } ORDER BY ?term";
    sparql(q)
      .then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; })
      .then(function (data) {
        var byTerm = {};
        data.results.bindings.forEach(function (b) {
          var term = compact(b.term.value), kind = b.kind.value;
          var cat = /Class$/.test(kind) ? "class" : /Property$/.test(kind) ? "property" : "individual";
          var t = byTerm[term] || (byTerm[term] = { term: term, kind: cat, label: "", iri: b.term.value });
          if (cat === "class" || (cat === "property" && t.kind === "individual")) { t.kind = cat; }
          if (b.label && !t.label) { t.label = b.label.value; }
        });
        var order = { "class": 0, "property": 1, "individual": 2 };
        var terms = Object.keys(byTerm).map(function (k) { return byTerm[k]; }).sort(function (a, b) {
          return (order[a.kind] - order[b.kind]) || a.term.localeCompare(b.term);
        });
        var extra = ["rdfs:label", "rdfs:comment", "skos:prefLabel", "skos:altLabel", "skos:broader",
          "skos:narrower", "skos:Concept", "dcterms:title", "dcterms:issued", "prov:wasDerivedFrom", "rdf:type"];
        editor.terms = terms.concat(extra.map(function (t) { return { term: t, kind: "standard", label: "" }; }));
        var box = $("vocab");
        box.textContent = "";
        if (!terms.length) { box.textContent = "未找到本体 No ontology graph found."; return; }
        terms.forEach(function (t) {
          var a = document.createElement("a");
          a.href = localHref(t.iri);
          a.textContent = t.term;
          a.title = t.kind + (t.label ? ": " + t.label : "") + " (click inserts, ctrl-click opens)";
          a.addEventListener("click", function (ev) {
            if (ev.ctrlKey || ev.metaKey) { return; }
            ev.preventDefault();
            editor.insert(t.term);
          });
          box.appendChild(a);
        });
      })
      .catch(function () { $("vocab").textContent = "无法载入本体 Could not load the ontology."; });
  }

  function doSearch(ev) {
    if (ev) { ev.preventDefault(); }
    var q = $("searchq").value.trim();
    var list = $("searchresults");
    if (!q) { list.textContent = ""; return; }
    fetch("/search?format=json&limit=20&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        if (!data.results.length) {
          var li0 = document.createElement("li");
          li0.className = "muted";
          li0.textContent = "没有匹配 No match.";
          list.appendChild(li0);
        }
        data.results.forEach(function (hit) {
          var li = document.createElement("li");
          var ins = document.createElement("button");
          ins.className = "ins";
          ins.type = "button";
          ins.textContent = "插入 insert";
          ins.title = "Insert <" + hit.iri + "> at the cursor";
          ins.addEventListener("click", function () { editor.insert("<" + hit.iri + ">"); });
          var kind = document.createElement("span");
          kind.className = "kind kind-" + hit.kind;
          kind.textContent = hit.kind;
          var a = document.createElement("a");
          a.href = hit.url;
          a.textContent = hit.label;
          var snip = document.createElement("div");
          snip.className = "snippet";
          snip.innerHTML = hit.snippet;  // escaped by the server; only <mark> is markup
          li.append(ins, kind, a, snip);
          list.appendChild(li);
        });
      })
      .catch(function () { list.textContent = "搜索失败 Search failed."; });
  }

  // ------------------------------------------------------------------ wiring

  editor.onRun = run;
  $("run").addEventListener("click", run);
  $("examples").addEventListener("change", pickExample);
  $("prefixes").addEventListener("click", function () {
    var declared = declaredPrefixes(codeOnly(editor.getValue()));
    var missing = DEFAULT_PREFIXES.filter(function (p) { return !declared[p]; });
    if (missing.length) { editor.setValue(prefixBlock(missing) + "\n" + editor.getValue()); }
  });
  $("sharebtn").addEventListener("click", function () {
    updateShareLink(true);
    $("sharelink").select();
  });
  $("copylink").addEventListener("click", function () {
    $("sharelink").select();
    if (navigator.clipboard) { navigator.clipboard.writeText($("sharelink").value).catch(function () {}); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-dl]"), function (b) {
    b.addEventListener("click", function () { download(b.getAttribute("data-dl")); });
  });
  $("searchform").addEventListener("submit", doSearch);
  var searchTimer = null;
  $("searchq").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(doSearch, 250);
  });

  var params = new URLSearchParams(location.search);
  loadExamples();
  loadVocabulary();
  $("inference").checked = params.get("inference") === "true";
  if (params.get("query")) {
    editor.setValue(params.get("query"));
    $("sharelink").value = location.href;
    run();
  } else {
    editor.setValue(DEFAULT_QUERY);
  }
})();
