// Action form: shows quantity × unit cost as it is typed. A convenience only: the server computes the total
// (plans/finance.py) and the page works without this script.
(function () {
  "use strict";
  var form = document.getElementById("action-form");
  var out = document.getElementById("computed-total");
  if (!form || !out) { return; }
  var quantity = form.elements.namedItem("quantity");
  var unitCost = form.elements.namedItem("unit_cost");
  if (!quantity || !unitCost) { return; }

  function amount(text) { // "1 500 000", "1500000", "1.500.000" → 1500000; anything else → NaN
    var s = (text || "").replace(/[\s\u00a0\u202f]/g, "").replace(/f?cfa$/i, "");
    if (/^\d{1,3}([.,]\d{3})+$/.test(s)) { s = s.replace(/[.,]/g, ""); }
    return /^\d+$/.test(s) ? Number(s) : NaN;
  }
  function decimal(text) { // "2,5" or "2.5"
    var s = (text || "").replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    return /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  }
  function update() {
    var total = Math.round(decimal(quantity.value) * amount(unitCost.value));
    out.textContent = isFinite(total) ? total.toLocaleString("fr-FR") + "\u00a0FCFA" : "—";
  }
  quantity.addEventListener("input", update);
  unitCost.addEventListener("input", update);
}());
