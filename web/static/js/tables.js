/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Progressive enhancement of the web admin's tables: click a header to sort,
 * type in a filter box to hide rows. Every page works without it (the users
 * filter is also a GET form).
 */
(function () {
  "use strict";
  function cellKey(row, col, kind) {
    var text = row.cells[col] ? row.cells[col].textContent.trim() : "";
    if (kind === "time") {
      var parts = text.split(":").map(Number);
      return parts.reduce(function (acc, v) { return acc * 60 + v; }, 0);
    }
    return text.toLowerCase();
  }
  function sortBy(table, th) {
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var kind = th.getAttribute("data-sort");
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellKey(a, col, kind), y = cellKey(b, col, kind);
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("th[data-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th); }
      });
    });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) return;
    function apply() {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
