/* Type-ahead for territorial units: an enhancement of forms that work without JavaScript.
 *
 * Markup: <div class="typeahead" data-typeahead data-source="/territoire/recherche.json"> holding an <input>.
 *   data-params          extra query string for the JSON endpoint ("level=3&country=MLI", "foreign=1")
 *   data-country-select  id of a <select> whose value is sent as `country`
 *   data-navigate        URL with __CODE__: choosing a suggestion opens that page (the territory search)
 *   data-chosen          id of a <ul>: choosing adds an item with a hidden input named data-field (pickers)
 *   data-textarea        id of the fallback textarea of codes; its lines move into the list, then it is disabled
 *   data-textarea-wrapper id of the element around that textarea, hidden once the list has taken over
 * A picker marked `hidden` is shown by this script (without JavaScript only the textarea is there).
 *
 * The suggestions are an ARIA listbox driven from a combobox input: arrows move, Enter chooses, Escape closes.
 * Text from the server is only ever set with textContent.
 */
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var DELAY_MS = 180;
  var counter = 0;

  function hideVisually(el) {
    el.className = "visually-hidden";
  }

  function describe(result) {
    var parts = [result.level_label];
    if (result.path) { parts.push(result.path); }
    if (result.country_iso3 && result.country_iso3 !== "MLI") { parts.push(result.country_name); }
    parts.push(result.code);
    if (!result.has_geometry) { parts.push("sans géométrie"); }
    return parts.join(" · ");
  }

  function Typeahead(root) {
    this.root = root;
    this.input = root.querySelector("input[type=search], input[type=text]");
    if (!this.input) { return; }
    counter += 1;
    this.id = "typeahead-" + counter;
    this.source = root.getAttribute("data-source");
    this.params = root.getAttribute("data-params") || "";
    this.navigate = root.getAttribute("data-navigate");
    this.countrySelect = document.getElementById(root.getAttribute("data-country-select") || "");
    this.chosen = document.getElementById(root.getAttribute("data-chosen") || "");
    this.field = root.getAttribute("data-field") || "";
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;

    this.list = document.createElement("ul");
    this.list.className = "suggestions";
    this.list.id = this.id + "-list";
    this.list.setAttribute("role", "listbox");
    var label = this.input.id ? document.querySelector("label[for='" + this.input.id + "']") : null;
    if (label) {
      if (!label.id) { label.id = this.id + "-label"; }
      this.list.setAttribute("aria-labelledby", label.id);
    }
    this.list.hidden = true;
    this.input.insertAdjacentElement("afterend", this.list);

    this.status = document.createElement("span");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    hideVisually(this.status);
    root.appendChild(this.status);

    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-controls", this.list.id);
    this.input.setAttribute("autocomplete", "off");

    this.bind();
    if (this.chosen) { this.takeOverTextarea(); }
    root.hidden = false;
  }

  Typeahead.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () { self.fetch(); }, DELAY_MS);
    });
    this.input.addEventListener("keydown", function (event) { self.onKey(event); });
    this.input.addEventListener("blur", function () {
      window.setTimeout(function () { self.close(); }, 150);
    });
    this.list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the input
    });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("li[role=option]");
      if (option) { self.choose(Number(option.getAttribute("data-index"))); }
    });
    if (this.countrySelect) {
      this.countrySelect.addEventListener("change", function () { self.fetch(); });
    }
    if (this.chosen) {
      this.chosen.addEventListener("click", function (event) {
        var button = event.target.closest("[data-remove]");
        if (!button) { return; }
        var item = button.closest("li");
        var name = item.querySelector("span") ? item.querySelector("span").firstChild.textContent.trim() : "";
        item.parentNode.removeChild(item);
        self.announce(name + " retiré de la liste. " + self.countText());
        self.input.focus();
      });
    }
  };

  Typeahead.prototype.url = function () {
    var url = new URL(this.source, window.location.href);
    var extra = new URLSearchParams(this.params);
    extra.forEach(function (value, key) { url.searchParams.set(key, value); });
    url.searchParams.set("q", this.input.value);
    if (this.countrySelect && this.countrySelect.value) { url.searchParams.set("country", this.countrySelect.value); }
    return url.toString();
  };

  Typeahead.prototype.fetch = function () {
    var self = this;
    var query = this.input.value.trim();
    if (query.length < MIN_LENGTH) { this.render([]); return; }
    if (this.controller) { this.controller.abort(); }
    this.controller = typeof AbortController === "function" ? new AbortController() : null;
    window.fetch(this.url(), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: this.controller ? this.controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      self.render(data.results || []);
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      self.render([]);
      self.announce("La recherche n'a pas abouti. Réessayez, ou utilisez le formulaire sans suggestions.");
    });
  };

  Typeahead.prototype.render = function (results) {
    var self = this;
    this.results = results;
    this.active = -1;
    while (this.list.firstChild) { this.list.removeChild(this.list.firstChild); }
    results.forEach(function (result, index) {
      var item = document.createElement("li");
      item.id = self.id + "-option-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-index", String(index));
      var name = document.createElement("strong");
      name.textContent = result.name;
      var details = document.createElement("span");
      details.className = "muted";
      details.textContent = " — " + describe(result);
      item.appendChild(name);
      item.appendChild(details);
      self.list.appendChild(item);
    });
    var open = results.length > 0;
    this.list.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
    this.input.removeAttribute("aria-activedescendant");
    if (this.input.value.trim().length >= MIN_LENGTH) {
      this.announce(open ? results.length + " suggestion" + (results.length > 1 ? "s" : "") +
        " : flèches haut et bas pour parcourir, Entrée pour choisir." : "Aucune suggestion.");
    }
  };

  Typeahead.prototype.close = function () {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Typeahead.prototype.highlight = function (index) {
    var options = this.list.querySelectorAll("li[role=option]");
    if (!options.length) { return; }
    this.active = (index + options.length) % options.length;
    for (var i = 0; i < options.length; i += 1) {
      options[i].setAttribute("aria-selected", i === this.active ? "true" : "false");
    }
    var current = options[this.active];
    this.input.setAttribute("aria-activedescendant", current.id);
    if (current.scrollIntoView) { current.scrollIntoView({ block: "nearest" }); }
  };

  Typeahead.prototype.onKey = function (event) {
    var open = !this.list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { this.fetch(); return; }
      this.highlight(this.active + 1);
    } else if (event.key === "ArrowUp") {
      if (!open) { return; }
      event.preventDefault();
      this.highlight(this.active - 1);
    } else if (event.key === "Enter") {
      if (open && this.active >= 0) {
        event.preventDefault();
        this.choose(this.active);
      } else if (this.chosen) {
        event.preventDefault(); // in a picker, Enter never submits the whole form
        if (open && this.results.length === 1) { this.choose(0); }
      }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); this.close(); }
    } else if (event.key === "Tab") {
      this.close();
    }
  };

  Typeahead.prototype.choose = function (index) {
    var result = this.results[index];
    if (!result) { return; }
    this.close();
    if (this.navigate) {
      window.location.href = this.navigate.replace("__CODE__", encodeURIComponent(result.code));
      return;
    }
    if (this.chosen) {
      if (this.add(result.code, result.name, describe(result))) {
        this.announce(result.name + " ajouté à la liste. " + this.countText());
      } else {
        this.announce(result.name + " figure déjà dans la liste.");
      }
      this.input.value = "";
      this.input.focus();
    }
  };

  Typeahead.prototype.has = function (code) {
    var inputs = this.chosen.querySelectorAll("input[type=hidden]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].value.toUpperCase() === code.toUpperCase()) { return true; }
    }
    return false;
  };

  Typeahead.prototype.add = function (code, name, details) {
    if (this.has(code)) { return false; }
    var item = document.createElement("li");
    var text = document.createElement("span");
    text.appendChild(document.createTextNode(name + " "));
    var muted = document.createElement("span");
    muted.className = "muted";
    muted.textContent = "· " + details;
    text.appendChild(muted);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = this.field;
    hidden.value = code;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.setAttribute("data-remove", "");
    remove.setAttribute("aria-label", "Retirer " + name);
    remove.textContent = "Retirer";
    item.appendChild(text);
    item.appendChild(hidden);
    item.appendChild(remove);
    this.chosen.appendChild(item);
    return true;
  };

  Typeahead.prototype.countText = function () {
    var n = this.chosen.querySelectorAll("input[type=hidden]").length;
    return n + " dans la liste.";
  };

  /* The textarea of codes (the form without JavaScript) becomes list items: "ML010706  Kirane Kaniaga" per line. */
  Typeahead.prototype.takeOverTextarea = function () {
    var textarea = document.getElementById(this.root.getAttribute("data-textarea") || "");
    if (!textarea) { return; }
    var self = this;
    textarea.value.split(/[\n\r,;]+/).forEach(function (line) {
      var words = line.trim().split(/\s+/);
      if (!words[0]) { return; }
      var code = words[0];
      var name = words.slice(1).join(" ") || code;
      self.add(code, name, code);
    });
    textarea.value = "";
    textarea.disabled = true;
    var wrapper = document.getElementById(this.root.getAttribute("data-textarea-wrapper") || "");
    if (wrapper) { wrapper.hidden = true; }
  };

  Typeahead.prototype.announce = function (text) {
    this.status.textContent = text;
  };

  function init() {
    var roots = document.querySelectorAll("[data-typeahead]");
    for (var i = 0; i < roots.length; i += 1) {
      if (!roots[i].typeahead) { roots[i].typeahead = new Typeahead(roots[i]); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
