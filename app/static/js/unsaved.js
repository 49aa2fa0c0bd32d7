// Nothing typed is lost without a warning: leaving a page (a link, another section, closing the tab) whose form
// was changed and not saved asks first (`beforeunload`). A form becomes "changed" on the first input in it;
// submitting THAT form clears it (submitting another form of the page, the logout button for instance, still
// asks). A form that already holds unsaved input when the page opens counts as changed from the start: the
// 409 screen (data-unsaved="1"), and a plan page answering a post (a refused save, a row added) — <body
// data-posted>. Only forms posting data are watched (not searches); data-unsaved="0" opts a form out.
// Without JavaScript nothing changes: the pages work, they just do not ask.
(function () {
  "use strict";
  var changed = [];
  var leavingWith = null; // the form being submitted: its own navigation must not ask

  function watched(form) {
    return form && form.method && form.method.toLowerCase() === "post" && form.getAttribute("data-unsaved") !== "0";
  }

  function hasInput(form) {
    return !!form.querySelector("input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea");
  }

  function mark(form) {
    if (watched(form) && changed.indexOf(form) < 0) { changed.push(form); }
  }

  var posted = document.body.hasAttribute("data-posted");
  Array.prototype.forEach.call(document.forms, function (form) {
    var inPlan = !!form.closest(".plan-main"); // the plan builder's forms (not a refused login, say)
    if (form.getAttribute("data-unsaved") === "1" || (posted && inPlan && watched(form) && hasInput(form))) {
      mark(form);
    }
  });

  function onEdit(event) {
    var target = event.target;
    if (target && target.form) { mark(target.form); }
  }
  document.addEventListener("input", onEdit, true);
  document.addEventListener("change", onEdit, true);

  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var form = event.target;
    leavingWith = form;
    var i = changed.indexOf(form);
    if (i >= 0) { changed.splice(i, 1); }
  });

  window.addEventListener("beforeunload", function (event) {
    var pending = changed.filter(function (form) { return form !== leavingWith && document.contains(form); });
    leavingWith = null;
    if (!pending.length) { return undefined; }
    event.preventDefault();
    event.returnValue = "Vous avez des modifications non enregistrées.";
    return event.returnValue;
  });

  // Back on a page from the browser's cache (back button): what was submitted is no longer pending.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { leavingWith = null; }
  });
})();
