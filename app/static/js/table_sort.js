/* Sortable tables: a click on a column's header (a button, so the keyboard reaches it) sorts the rows of a
   <table class="sortable"> by that column, again in the other direction. Without JavaScript the table is a plain
   table in the server's order. Numbers are read as the page writes them (« 1 234 567 FCFA », « 9,69 % »,
   « 12,5 ‰ »); an empty cell or « — » goes last either way. A table whose rows are redrawn (the national map's)
   dispatches "rows-changed" on itself, and the current order is applied again. */
(function () {
  "use strict";
  var NUMBER = /^-?\d+(?:\.\d+)?$/;

  function key(cell) {
    var text = (cell ? cell.textContent : "").trim();
    if (!text || text === "—") { return null; }
    var compact = text.replace(/[\s\u00a0\u202f]/g, "").replace(/(FCFA|%|‰)$/i, "").replace(",", ".");
    return NUMBER.test(compact) ? Number(compact) : text;
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), "fr", { sensitivity: "base", numeric: true });
  }

  function sortBy(table, index, direction) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.from(body.rows);
    if (rows.some(function (r) { return r.cells.length <= index; })) { return; }  // « aucun plan » row
    var keyed = rows.map(function (r, i) { return { row: r, key: key(r.cells[index]), i: i }; });
    keyed.sort(function (x, y) {
      if (x.key === null || y.key === null) { return (x.key === null) - (y.key === null) || x.i - y.i; }
      return (compare(x.key, y.key) * direction) || x.i - y.i;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
  }

  function setUp(table) {
    var heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
    var current = { index: -1, direction: 1 };
    heads.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = "Trier par cette colonne";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        current.direction = current.index === index ? -current.direction : 1;
        current.index = index;
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", current.direction > 0 ? "ascending" : "descending");
        sortBy(table, index, current.direction);
      });
    });
    table.addEventListener("rows-changed", function () {
      if (current.index >= 0) { sortBy(table, current.index, current.direction); }
    });
  }

  document.querySelectorAll("table.sortable").forEach(setUp);
})();
