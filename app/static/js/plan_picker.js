/* The comparison's picker (maps/compare.html): the list of plans narrows while the user types in its search box,
 * the way the server narrows it with « Filtrer la liste » (which this script hides). Each <option> carries its
 * search key (accents, case and punctuation folded by the server, plans/core/text.py search_key); the typed words
 * are folded the same way here; each must start a word of the key, as on the server
 * (plans/maps/compare.py `choices`). A chosen plan always stays visible. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }

  document.querySelectorAll("input[data-plan-filter]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-plan-filter"));
    if (!select) { return; }
    var form = input.form;
    var count = document.getElementById("compare-count");
    form.querySelectorAll("[data-no-js]").forEach(function (el) { el.hidden = true; });

    function apply() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(select.options, function (option) {
        var starts = (option.getAttribute("data-key") || "").split(" ");
        var match = option.selected || words.every(function (w) {
          return starts.some(function (k) { return k.indexOf(w) === 0; });
        });
        option.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) {
        count.textContent = shown ? shown + (shown > 1 ? " plans" : " plan") + " dans la liste."
          : "Aucun plan ne correspond à « " + input.value + " ».";
      }
    }

    var chosen = document.getElementById("compare-chosen");
    function showChosen() {
      if (!chosen) { return; }
      var labels = Array.prototype.filter.call(select.options, function (o) { return o.selected; })
        .map(function (o) { return o.textContent; });
      chosen.textContent = labels.length ? "Choisis (" + labels.length + ") : " + labels.join(" ; ")
        : "Aucun plan choisi.";
    }
    // A click toggles one plan without taking the others out (no Ctrl needed).
    select.addEventListener("mousedown", function (event) {
      if (event.target.tagName !== "OPTION") { return; }
      event.preventDefault();
      event.target.selected = !event.target.selected;
      select.focus();
      showChosen();
    });
    select.addEventListener("change", showChosen);

    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); apply(); select.focus(); }
    });
    apply();
  });
})();
