// Alliances — progressive enhancement only: every page works without this file.
// Autocomplete (the ARIA 1.2 combobox pattern) over /api/v1/territoires (territories: the option
// leads to the territory's page, or fills the field with `niveau:code` when the input has
// `data-autocomplete-remplir`) and /api/v1/organisations/suggestions (the option leads to the
// organisation's page, or fills the field with `Nom (#id)` under `data-autocomplete-remplir`;
// Enter without a chosen option still submits the form).
(function () {
  "use strict";

  var LABELS = {
    fr: { region: "Région", departement: "Département", epci: "EPCI", commune: "Commune", none: "Aucun territoire trouvé" },
    en: { region: "Région", departement: "Département", epci: "EPCI", commune: "Commune", none: "No territory found" }
  };

  function enhance(input) {
    var list = document.getElementById(input.id + "-liste");
    if (!list) return;
    var lang = (document.documentElement.lang === "en") ? "en" : "fr";
    var labels = LABELS[lang];
    var endpoint = input.getAttribute("data-autocomplete");
    var options = [];
    var active = -1;
    var timer = null;
    var lastQuery = "";
    var controller = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      options.forEach(function (o, j) { o.el.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].el.id);
        options[i].el.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    var remplir = input.hasAttribute("data-autocomplete-remplir");
    function go(i) {
      if (i < 0 || i >= options.length) return;
      if (remplir) {
        input.value = options[i].value;
        lastQuery = input.value;
        close();
      } else {
        window.location.assign(options[i].url);
      }
    }

    function render(results) {
      list.textContent = "";
      options = [];
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(document.createTextNode(r.nom + " "));
        if (r.niveau) {
          var tag = document.createElement("span");
          tag.className = "etiquette";
          tag.textContent = (labels[r.niveau] || r.niveau) + " " + (r.niveau === "commune" ? (r.codeDepartement || "") : r.code);
          li.appendChild(tag);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); go(i); });
        list.appendChild(li);
        options.push({
          el: li,
          url: r.url || ("/organisations/" + r.id),
          value: r.niveau ? r.niveau + ":" + r.code : r.nom + " (#" + r.id + ")"
        });
      });
      if (options.length === 0) { close(); return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function fetchResults() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (q.length < 2) { close(); return; }
      if (controller) controller.abort();
      controller = ("AbortController" in window) ? new AbortController() : null;
      fetch(endpoint + "?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
        .then(function (res) { return res.ok ? res.json() : { resultats: [] }; })
        .then(function (body) { if (input.value.trim() === q) render(body.resultats || []); })
        .catch(function () { /* aborted or offline: the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchResults, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden && e.key !== "ArrowDown") return;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden && options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(Math.min(active + 1, options.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        go(active);
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // A form came back with errors: move the focus to their summary.
    var summary = document.getElementById("resume-erreurs");
    if (summary) summary.focus();
    var fields = document.querySelectorAll("input[data-autocomplete]");
    for (var i = 0; i < fields.length; i++) enhance(fields[i]);
  });
})();

// Kits: questions conditioned on an answer of the same page are shown and hidden as one answers
// (without this script they are all shown, with their condition spelled out); stored
// passations are saved in the background after each change.
(function () {
  "use strict";
  var form = document.querySelector(".formulaire-kit");
  if (!form) return;

  function valeurs(source) {
    var out = [];
    form.querySelectorAll("[name='q-" + source + "']").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value) out.push(el.value);
    });
    return out;
  }

  function appliquer() {
    form.querySelectorAll("[data-condition-source]").forEach(function (bloc) {
      var attendues = bloc.getAttribute("data-condition-valeurs").split(" ");
      var source = document.getElementById("bloc-" + bloc.getAttribute("data-condition-source"));
      var visible = (!source || !source.hidden) &&
        valeurs(bloc.getAttribute("data-condition-source")).some(function (v) { return attendues.indexOf(v) >= 0; });
      bloc.hidden = !visible;
      var cond = bloc.querySelector(".condition-kit");
      if (cond) cond.hidden = true;
    });
  }
  appliquer();

  var timer = null;
  var statut = document.getElementById("etat-sauvegarde");
  function enregistrer() {
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "enregistrer");
    // form.action would be the buttons named "action": read the attribute.
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (r) {
        if (statut) statut.textContent = r.status === 204 ? (document.documentElement.lang === "en" ? "Saved." : "Enregistré.") : (document.documentElement.lang === "en" ? "Not saved: check your answers." : "Non enregistré : vérifiez vos réponses.");
      })
      .catch(function () { /* the next page's submit saves anyway */ });
  }
  form.addEventListener("change", function () {
    appliquer();
    if (!form.hasAttribute("data-autosave")) return;
    clearTimeout(timer);
    timer = setTimeout(enregistrer, 600);
  });
})();
