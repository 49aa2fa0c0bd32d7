// Error summary at the top of a form that failed validation (templates/_form.html): it takes the focus when the
// page opens, and each of its links moves the focus to its field (opening the <details> that folds it), not only
// the scroll position. Without this script the links still scroll to the fields.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    var controls = "input:not([type=hidden]), select, textarea, button";
    var field = target.matches(controls) ? target : target.querySelector(controls);
    if (!field) { return; }
    for (var d = field.closest("details"); d; d = d.parentElement ? d.parentElement.closest("details") : null) {
      d.open = true;
    }
    event.preventDefault();
    field.focus({preventScroll: true});
    (field.closest(".field, td, details") || field).scrollIntoView({block: "center"});
  });
})();
