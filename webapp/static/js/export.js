// The export menu of the lists (templates/exports/_macros.html): on download it sends the
// list's current filters (the page's query string) and, for "Selected rows", the checked
// row boxes (inputs named "ids", e.g. form="mass-form"); "Selected rows" is on only while
// some rows are checked.
(function () {
  if (window.opportunoExportMenu) return;
  window.opportunoExportMenu = true;
  const OWN = new Set(["format", "sep", "scope", "ids", "columns"]);

  function checkedIds() {
    return Array.from(document.querySelectorAll('input[type="checkbox"][name="ids"]:checked'))
      .map((box) => box.value)
      .filter((value) => /^[0-9]+$/.test(value));
  }

  function hidden(name, value) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function refresh() {
    const ids = checkedIds();
    document.querySelectorAll("[data-export-form]").forEach((form) => {
      const selected = form.querySelector("[data-export-selected]");
      const count = form.querySelector("[data-export-count]");
      selected.disabled = ids.length === 0;
      count.textContent = ids.length ? "(" + ids.length + ")" : "";
      if (selected.disabled && selected.checked) {
        form.querySelector('input[name="scope"][value="filter"]').checked = true;
      }
      const xlsx = form.querySelector('input[name="format"][value="xlsx"]').checked;
      form.querySelector("[data-export-separator]").disabled = xlsx;
    });
  }

  document.addEventListener("toggle", (event) => {
    const menu = event.target;
    if (!menu.matches || !menu.matches("[data-export-menu]") || !menu.open) return;
    refresh();
    if (checkedIds().length) menu.querySelector("[data-export-selected]").checked = true;
  }, true);

  document.addEventListener("change", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("DOMContentLoaded", refresh);

  document.addEventListener("submit", (event) => {
    const form = event.target.closest && event.target.closest("[data-export-form]");
    if (!form) return;
    const filters = form.querySelector("[data-export-filters]");
    filters.replaceChildren();
    new URLSearchParams(window.location.search).forEach((value, name) => {
      if (!OWN.has(name)) filters.append(hidden(name, value));
    });
    if (form.querySelector("[data-export-selected]").checked) {
      filters.append(hidden("ids", checkedIds().join(",")));
    }
    form.closest("[data-export-menu]").open = false;
  });
})();
