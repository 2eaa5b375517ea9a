/* The SPARQL editor on /query: YASGUI (from npm, served from /static/vendor) wired to this
 * server's /sparql. The plain form below it stays for a browser without JavaScript. */
(function () {
  "use strict";
  var mount = document.getElementById("editor");
  if (!mount || typeof window.Yasgui === "undefined") return;

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var prefixes = json("editor-prefixes") || {};
  var examples = json("editor-examples") || [];
  var starter = json("editor-starter") || "";
  var endpoint = window.location.origin + mount.getAttribute("data-endpoint");
  var notice = document.getElementById("editor-truncated");
  var timing = document.getElementById("editor-status");

  // Offline: complete prefixes from this server's table; no LOV look-ups over the network.
  var Yasqe = window.Yasgui.Yasqe;
  Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasqe.forkAutocompleter("prefixes", {
    name: "csc-prefixes",
    persistenceId: null,
    get: function () {
      return Object.keys(prefixes).map(function (p) { return p + ": <" + prefixes[p] + ">"; });
    },
  });
  Yasqe.defaults.autocompleters = ["csc-prefixes", "variables"];

  var yasgui = new window.Yasgui(mount, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    persistenceId: "csc-graph-editor",
    populateFromUrl: true,
    autofocus: true,
    yasqe: { value: starter, resizeable: true, editorHeight: "18rem" },
    yasr: { prefixes: prefixes, defaultPlugin: "table" },
  });

  function watch(tab) {
    var yasqe = tab.getYasqe();
    if (!yasqe || yasqe.__cscWatched) return;
    yasqe.__cscWatched = true;
    yasqe.on("queryResponse", function (_y, response, duration) {
      var cut = response && response.headers && response.headers.get("x-result-truncated");
      notice.hidden = cut !== "true";
      if (cut === "true") {
        notice.textContent =
          "This answer was cut at the server's row limit: more rows match than are shown. " +
          "Add a LIMIT or narrow the query.";
      }
      timing.textContent = "Answered in " + duration + " ms.";
    });
  }
  watch(yasgui.getTab());
  yasgui.on("tabSelect", function (_g, id) { setTimeout(function () { watch(yasgui.getTab(id)); }, 0); });
  yasgui.on("tabAdd", function (_g, id) { setTimeout(function () { watch(yasgui.getTab(id)); }, 0); });

  var picker = document.getElementById("editor-example");
  if (picker) {
    examples.forEach(function (ex, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = ex.summary + " (" + ex.name + ")";
      picker.appendChild(option);
    });
    document.getElementById("editor-open-example").addEventListener("click", function () {
      var ex = examples[Number(picker.value)];
      if (!ex) return;
      var tab = yasgui.addTab(true, { name: ex.name, yasqe: { value: ex.sparql } });
      watch(tab);
    });
  }
  // YASGUI's own markup misses a few names and roles axe asks for; add them as it draws.
  function label(selector, text) {
    mount.querySelectorAll(selector).forEach(function (el) {
      if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", text);
    });
  }
  function mend() {
    label(".autocomplete", "SPARQL endpoint");
    label(".CodeMirror textarea", "SPARQL query");
    label(".tab input[type=text]", "Tab name");
    label(".tableFilter, .dataTables_filter input", "Filter the results");
    label(".tableSizer", "Rows per page");
    // A long query scrolls inside CodeMirror; the scroller must be reachable by keyboard.
    mount.querySelectorAll(".CodeMirror-scroll").forEach(function (el) {
      if (el.getAttribute("tabindex") !== "0") el.setAttribute("tabindex", "0");
    });
    label(".CodeMirror-scroll", "SPARQL query text");
    mount.querySelectorAll(".tabsList .addTab").forEach(function (button) {
      if (button.getAttribute("role") !== "tab") {
        button.setAttribute("role", "tab");
        button.setAttribute("aria-selected", "false");
      }
    });
  }
  new MutationObserver(mend).observe(mount, { childList: true, subtree: true });
  mend();
  document.getElementById("plain").hidden = true;
  document.getElementById("editor-tools").hidden = false;
})();
