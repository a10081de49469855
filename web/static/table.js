/* Tables of the workbench: sort by any column, filter by typed text, download what is shown.
 *
 * Any <table class="data" data-filename="…"> gets: sort buttons in its headers (numbers as
 * numbers, text by the Chinese collation; data-sort on a cell overrides its text), and, when a
 * .tablebar with [data-for=<table id>] precedes it, a filter box, a row count and a CSV button.
 * The CSV is the rows on screen in the order on screen, UTF-8 with a byte-order mark (Excel
 * reads Chinese right), cells that would start a formula prefixed with an apostrophe.
 */
(function () {
  "use strict";
  var collator = new Intl.Collator("zh-Hans-CN", { numeric: true });

  function cellKey(td) {
    return td ? (td.dataset.sort !== undefined ? td.dataset.sort : td.textContent.trim()) : "";
  }

  function sortBy(table, index, th) {
    var num = th.classList.contains("num");
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      if (h.hasAttribute("aria-sort")) { h.setAttribute("aria-sort", "none"); }
    });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) { return { r: r, i: i }; });
    rows.sort(function (a, b) {
      var x = cellKey(a.r.cells[index]), y = cellKey(b.r.cells[index]);
      var c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : collator.compare(x, y);
      return (c * dir) || (a.i - b.i);
    });
    rows.forEach(function (o) { body.appendChild(o.r); });
  }

  function visibleRows(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; });
  }

  // A cell a spreadsheet would run as a formula gets a leading apostrophe, unless it is a plain
  // number: the rule of reformkg/spreadsheet.py `neutralise` (and of query.js's download).
  var FORMULA = /^[=+\-@\t\r]/, NUMBER = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

  function csvCell(text) {
    var s = text.replace(/\s+/g, " ").trim();
    if (FORMULA.test(s) && !NUMBER.test(s)) { s = "'" + s; }
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function download(table) {
    var head = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return csvCell(th.dataset.csv || th.textContent);
    });
    var lines = [head.join(",")];
    visibleRows(table).forEach(function (r) {
      lines.push(Array.prototype.map.call(r.cells, function (td) {
        return csvCell(td.dataset.csv !== undefined ? td.dataset.csv : td.textContent);
      }).join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = (table.dataset.filename || "table") + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function wire(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (th.classList.contains("nosort")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
    var bar = document.querySelector(".tablebar[data-for='" + table.id + "']");
    if (!bar) { return; }
    var count = bar.querySelector(".count");
    var filter = bar.querySelector("input[type=search]");
    function update() {
      var words = filter ? filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean) : [];
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var text = r.textContent.toLowerCase();
        r.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      if (count) { count.textContent = count.dataset.template.split("{n}").join(String(visibleRows(table).length)); }
    }
    if (filter) { filter.addEventListener("input", update); }
    var button = bar.querySelector("button.download");
    if (button) { button.addEventListener("click", function () { download(table); }); }
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.data"), wire);
  document.documentElement.dataset.tablesReady = "true";
})();
