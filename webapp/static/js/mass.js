// The deals list's selection bar: shown while rows are checked, with the count; "select all
// matching" switches the form to every deal of the filter; the stage dialog shows the lost
// reason only for a lost stage. Listeners are set once per page.
(() => {
  if (window.massBarReady) { window.massBarSync?.(); return; }
  window.massBarReady = true;
  const boxes = () => document.querySelectorAll('input[name="ids"][form="mass-form"]');
  // The form's data-text-* message for ``count`` in the page's language (its plural form and
  // digits); without a count (the totals are not in yet), the message that names none.
  const message = (form, key, count) => {
    if (count === undefined) return form.dataset[key];
    const lang = document.documentElement.lang || "en";
    const plural = new Intl.PluralRules(lang).select(Number(count)) === "one" ? "One" : "Other";
    return form.dataset[key + plural].replace("%(num)s", Number(count).toLocaleString(lang));
  };
  const sync = () => {
    const form = document.getElementById("mass-form");
    if (!form) return;
    const scope = form.querySelector('input[name="scope"]');
    const checked = [...boxes()].filter((box) => box.checked).length;
    const all = scope.value === "matching";
    const counted = document.querySelector("[data-deal-totals]")?.dataset.count;
    const shown = checked > 0 || all;
    form.classList.toggle("d-none", !shown);
    form.classList.toggle("d-flex", shown);
    form.querySelector("[data-mass-count]").textContent = all
      ? message(form, "textAll", counted)
      : message(form, "textSelected", checked);
    const selectAll = form.querySelector("[data-mass-all]");
    selectAll.textContent = message(form, "textSelectAll", counted);
    selectAll.hidden = all;
  };
  window.massBarSync = sync;
  document.addEventListener("change", (event) => {
    if (event.target.id === "mass-stage") {
      const lost = document.querySelector("#mass-dialog-body [data-lost-fields]");
      if (lost) lost.hidden = event.target.selectedOptions[0]?.dataset.kind !== "lost";
    }
    if (event.target.matches('input[name="ids"][form="mass-form"]')) {
      const scope = document.querySelector('#mass-form input[name="scope"]');
      if (scope && !event.target.checked) scope.value = "selected";
      sync();
    }
  });
  document.addEventListener("click", (event) => {
    const form = document.getElementById("mass-form");
    if (!form) return;
    if (event.target.closest("[data-mass-all]")) {
      form.querySelector('input[name="scope"]').value = "matching";
      boxes().forEach((box) => { box.checked = true; });
      sync();
    } else if (event.target.closest("[data-mass-clear]")) {
      form.querySelector('input[name="scope"]').value = "selected";
      boxes().forEach((box) => { box.checked = false; });
      sync();
    }
  });
  document.addEventListener("htmx:afterSettle", sync);
  sync();
})();
