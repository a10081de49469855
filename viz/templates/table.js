/* Sort a table by any column, in the browser (no library, no network).
   Numbers sort as numbers, text by the Chinese collation; a second click reverses. */
(function () {
  "use strict";
  var collator = new Intl.Collator("zh-Hans-CN", {numeric: true});
  function sortBy(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var num = th.dataset.kind === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].textContent.trim(), y = b.cells[index].textContent.trim();
      var c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : collator.compare(x, y);
      return c * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.rk-sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(table, th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, th); });
    });
  });
  window.reformkgReady = true;
})();
