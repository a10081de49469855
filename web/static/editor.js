/* A small SPARQL editor: a textarea over a highlighted <pre>, with completion.
 *
 * Why not a library: everything is served locally (no CDN, no npm at run time), and a textarea
 * keeps native editing, undo, selection and IME input for Chinese text. The <pre> behind it
 * shows the same text with colours; both use the same font metrics, so they line up.
 */
(function () {
  "use strict";

  var KEYWORDS = [
    "BASE", "PREFIX", "SELECT", "DISTINCT", "REDUCED", "CONSTRUCT", "DESCRIBE", "ASK", "FROM", "NAMED",
    "WHERE", "ORDER", "BY", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES", "OPTIONAL", "GRAPH", "UNION",
    "MINUS", "FILTER", "BIND", "AS", "GROUP", "HAVING", "SERVICE", "SILENT", "NOT", "EXISTS", "IN",
    "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "STR", "LANG",
    "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR", "ROUND",
    "CONCAT", "STRLEN", "UCASE", "LCASE", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER",
    "REGEX", "REPLACE", "SUBSTR", "YEAR", "MONTH", "DAY", "NOW", "COALESCE", "IF", "ISIRI", "ISURI",
    "ISBLANK", "ISLITERAL", "ISNUMERIC", "SAMETERM", "TRUE", "FALSE", "UNDEF", "ENCODE_FOR_URI"
  ];
  var KW = {};
  KEYWORDS.forEach(function (k) { KW[k] = true; });

  // One regex, tried in order: comments, IRIs, strings, variables, prefixed names, numbers, words.
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                                     // 1 comment
    "(<[^<>\"{}|^`\\\\\\s]*>)",                                       // 2 IRI
    "(\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:[^\"\\\\\\n]|\\\\.)*\"?|'(?:[^'\\\\\\n]|\\\\.)*'?)", // 3 string
    "([?$][A-Za-z0-9_\\u00B7-\\uFFFF]+)",                             // 4 variable
    "((?:[A-Za-z][\\w-]*)?:(?:[\\w\\-\\u00B7-\\uFFFF%]|\\.(?=[\\w\\-\\u00B7-\\uFFFF%]))*)", // 5 prefixed name
    "([+-]?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)",                      // 6 number
    "([A-Za-z_][A-Za-z_0-9]*)",                                       // 7 word
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\\^\\^)",                          // 8 language tag, ^^
    "([{}()\\[\\].,;])"                                               // 9 punctuation
  ].join("|"), "g");

  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  /** HTML of `text` with each token wrapped in a span of its class (text escaped). */
  function highlight(text) {
    var out = [], last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out.push(escapeHtml(text.slice(last, m.index)));
      var cls = m[1] ? "cmt" : m[2] ? "iri" : m[3] ? "str" : m[4] ? "var" : m[5] ? "pn"
        : m[6] ? "num" : m[7] ? ((KW[m[7].toUpperCase()] || m[7] === "a") ? "kw" : "") : m[8] ? "str" : "pun";
      var piece = escapeHtml(m[0]);
      out.push(cls ? '<span class="tok-' + cls + '">' + piece + "</span>" : piece);
      last = m.index + m[0].length;
    }
    out.push(escapeHtml(text.slice(last)));
    // A trailing newline needs a character after it, or the <pre> is one line short.
    return out.join("") + "\n";
  }

  function SparqlEditor(root) {
    this.root = root;
    this.textarea = root.querySelector("textarea");
    this.code = root.querySelector("code");
    this.pre = root.querySelector("pre");
    this.mirror = root.querySelector(".mirror");
    this.terms = [];          // [{term: "rk:Measure", kind: "class", label: "..."}]
    this.popup = null;
    this.items = [];
    this.selected = 0;
    this.onRun = null;
    var self = this;
    this.textarea.addEventListener("input", function (ev) {
      self.errorAt = null;
      self.refresh();
      if (ev.inputType && ev.inputType.indexOf("delete") === 0 && !self.popup) { return; }
      var word = self.wordBeforeCaret();
      if (/^rk:[\w-]*$/.test(word)) { self.complete(false); } else { self.closeCompletion(); }
    });
    this.textarea.addEventListener("scroll", function () { self.syncScroll(); });
    this.textarea.addEventListener("keydown", function (ev) { self.onKey(ev); });
    this.textarea.addEventListener("blur", function () {
      setTimeout(function () { self.closeCompletion(); }, 150);
    });
    this.refresh();
  }

  SparqlEditor.highlight = highlight;

  SparqlEditor.prototype.getValue = function () { return this.textarea.value; };

  SparqlEditor.prototype.setValue = function (text) {
    this.textarea.value = text;
    this.refresh();
    this.textarea.scrollTop = 0;
    this.syncScroll();
  };

  SparqlEditor.prototype.refresh = function () {
    var text = this.textarea.value, err = this.errorAt;
    if (err && err[0] <= text.length) {
      var end = Math.max(err[1], err[0] + 1);
      var spot = text.slice(err[0], end).replace(/\n/g, " ") || " ";
      this.code.innerHTML = highlight(text.slice(0, err[0])).slice(0, -1) +
        '<mark class="err-mark" title="错误位置 error here">' + escapeHtml(spot) + "</mark>" +
        highlight(text.slice(end));
    } else {
      this.code.innerHTML = highlight(text);
    }
    this.syncScroll();
  };

  /** Mark the characters [start, end) as the place of an error, and put the caret there. */
  SparqlEditor.prototype.markError = function (start, end) {
    this.errorAt = [start, end];
    this.refresh();
    this.textarea.setSelectionRange(start, start);
    var line = this.textarea.value.slice(0, start).split("\n").length;
    this.textarea.scrollTop = Math.max(0, (line - 3) * 21);
    this.syncScroll();
  };

  SparqlEditor.prototype.syncScroll = function () {
    this.pre.scrollTop = this.textarea.scrollTop;
    this.pre.scrollLeft = this.textarea.scrollLeft;
  };

  /** Replace the selection with `text` (keeps native undo where the browser supports it). */
  SparqlEditor.prototype.insert = function (text, replaceBefore) {
    var ta = this.textarea;
    ta.focus();
    if (replaceBefore) { ta.selectionStart = ta.selectionStart - replaceBefore; }
    var ok = false;
    try { ok = document.execCommand("insertText", false, text); } catch (e) { ok = false; }
    if (!ok) { ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, "end"); }
    this.refresh();
  };

  SparqlEditor.prototype.wordBeforeCaret = function () {
    var ta = this.textarea;
    var before = ta.value.slice(0, ta.selectionStart);
    var m = /(?:[A-Za-z][\w-]*)?:[\w-]*$|[A-Za-z_][\w]*$/.exec(before);
    return m ? m[0] : "";
  };

  SparqlEditor.prototype.onKey = function (ev) {
    if (this.popup) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        var n = this.items.length;
        this.selected = (this.selected + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
        this.renderCompletion();
        return;
      }
      if (ev.key === "Enter" || ev.key === "Tab") { ev.preventDefault(); this.accept(this.selected); return; }
      if (ev.key === "Escape") { ev.preventDefault(); this.closeCompletion(); return; }
    }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") {
      ev.preventDefault();
      if (this.onRun) { this.onRun(); }
      return;
    }
    if (ev.ctrlKey && (ev.key === " " || ev.code === "Space")) { ev.preventDefault(); this.complete(true); return; }
    if (ev.key === "Tab" && !ev.shiftKey) { ev.preventDefault(); this.insert("  "); }
  };

  /** Candidates for the word before the caret: ontology terms, other prefixes' terms, keywords. */
  SparqlEditor.prototype.candidates = function (word) {
    var w = word.toLowerCase(), out = [];
    this.terms.forEach(function (t) {
      if (t.term.toLowerCase().indexOf(w) === 0 || (w.indexOf(":") < 0 && w &&
          t.term.toLowerCase().indexOf(":" + w) > 0)) { out.push(t); }
    });
    if (word.indexOf(":") < 0) {
      KEYWORDS.forEach(function (k) {
        if (w && k.toLowerCase().indexOf(w) === 0) { out.push({ term: k, kind: "keyword", label: "" }); }
      });
    }
    return out.slice(0, 80);
  };

  SparqlEditor.prototype.complete = function (explicit) {
    var word = this.wordBeforeCaret();
    if (!word && !explicit) { this.closeCompletion(); return; }
    var items = this.candidates(word || "rk:");
    if (!word) { word = ""; }
    if (!items.length) { this.closeCompletion(); return; }
    this.items = items;
    this.word = word;
    this.selected = 0;
    if (!this.popup) {
      this.popup = document.createElement("div");
      this.popup.className = "completion";
      this.popup.setAttribute("role", "listbox");
      this.root.appendChild(this.popup);
      var self = this;
      this.popup.addEventListener("mousedown", function (ev) {
        var el = ev.target.closest("[data-i]");
        if (el) { ev.preventDefault(); self.accept(Number(el.getAttribute("data-i"))); }
      });
    }
    this.renderCompletion();
    this.placeCompletion();
  };

  SparqlEditor.prototype.renderCompletion = function () {
    var html = this.items.map(function (t, i) {
      return '<div role="option" data-i="' + i + '" class="' + (i === this.selected ? "sel" : "") + '">' +
        '<span class="t">' + escapeHtml(t.term) + '</span><span class="k">' + escapeHtml(t.kind) +
        (t.label ? " · " + escapeHtml(t.label) : "") + "</span></div>";
    }, this).join("");
    this.popup.innerHTML = html;
    var sel = this.popup.querySelector(".sel");
    if (sel && sel.scrollIntoView) { sel.scrollIntoView({ block: "nearest" }); }
  };

  /** Put the popup under the caret: measure the caret with a hidden mirror of the text. */
  SparqlEditor.prototype.placeCompletion = function () {
    var ta = this.textarea;
    this.mirror.textContent = ta.value.slice(0, ta.selectionStart);
    var marker = document.createElement("span");
    marker.textContent = "\u200b";
    this.mirror.appendChild(marker);
    var top = marker.offsetTop - ta.scrollTop + 22;
    var left = Math.min(marker.offsetLeft - ta.scrollLeft, this.root.clientWidth - 320);
    this.popup.style.top = Math.max(0, top) + "px";
    this.popup.style.left = Math.max(0, left) + "px";
  };

  SparqlEditor.prototype.accept = function (i) {
    var item = this.items[i];
    if (!item) { return; }
    this.insert(item.term, this.word.length);
    this.closeCompletion();
  };

  SparqlEditor.prototype.closeCompletion = function () {
    if (this.popup) { this.popup.remove(); this.popup = null; }
  };

  window.SparqlEditor = SparqlEditor;
})();
