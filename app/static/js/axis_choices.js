// Section 4 (planning/section_orientations.html): the priorities' axis lists offer every axis row, saved or not;
// this script only renames an option while its axis title is typed ("Axe 2 — Eau potable"). The lists work
// without it (the rows are named "Axe 1", "Axe 2"… like the axis cards).
(function () {
  "use strict";
  var form = document.querySelector("form[data-axis-choices]");
  if (!form) { return; }
  form.addEventListener("input", function (event) {
    var match = /^axes-(\d+)-title$/.exec(event.target.name || "");
    if (!match) { return; }
    var row = Number(match[1]);
    var title = event.target.value.trim();
    var text = "Axe " + (row + 1) + (title ? " — " + title : " (intitulé à saisir)");
    form.querySelectorAll("select[name^='priorities-'][name$='-axis'] option[value='" + row + "']").forEach(
      function (option) { option.textContent = text; });
  });
})();
