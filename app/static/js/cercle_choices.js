// The filter forms of the dashboard and the national map (templates/_filters.html): the cercle list follows the
// région as soon as it is chosen. The région's cercles come from the page itself (a JSON block the server wrote,
// id "cercles-par-region": {région P-code: [[cercle P-code, name], …]}). Without this script the form still works:
// once sent, the server offers only the chosen région's cercles (plans/reporting/desk.py, filter_choices).
(function () {
  "use strict";
  var data = document.getElementById("cercles-par-region");
  var region = document.getElementById("f-region");
  var cercle = document.getElementById("f-cercle");
  if (!data || !region || !cercle) { return; }
  var byRegion = JSON.parse(data.textContent);
  var everyCercle = [];
  Object.keys(byRegion).forEach(function (code) { everyCercle = everyCercle.concat(byRegion[code]); });
  everyCercle.sort(function (a, b) { return a[1].localeCompare(b[1], "fr"); });

  function refill() {
    var chosen = cercle.value;
    var wanted = region.value ? (byRegion[region.value] || []) : everyCercle;
    var all = cercle.querySelector("option[value='']");
    while (cercle.options.length) { cercle.remove(0); }
    if (all) { cercle.add(all); }
    wanted.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      option.selected = pair[0] === chosen;
      cercle.add(option);
    });
    if (cercle.value !== chosen) { cercle.value = ""; }
  }
  region.addEventListener("change", refill);
})();
