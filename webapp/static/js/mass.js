// The deals list's selection bar: shown while rows are checked, with the count; "select all
// matching" switches the form to every deal of the filter; the stage dialog shows the lost
// reason only for a lost stage. Listeners are set once per page.
(() => {
  if (window.massBarReady) { window.massBarSync?.(); return; }
  window.massBarReady = true;
  const boxes = () => document.querySelectorAll('input[name="ids"][form="mass-form"]');
  const sync = () => {
    const form = document.getElementById("mass-form");
    if (!form) return;
    const scope = form.querySelector('input[name="scope"]');
    const checked = [...boxes()].filter((box) => box.checked).length;
    const all = scope.value === "matching";
    const counted = document.querySelector("[data-deal-totals]")?.dataset.count;
    const total = counted === undefined ? "" : `${Number(counted).toLocaleString("en")} `;
    const shown = checked > 0 || all;
    form.classList.toggle("d-none", !shown);
    form.classList.toggle("d-flex", shown);
    form.querySelector("[data-mass-count]").textContent = all
      ? `All ${total}deals matching the filter are selected.`
      : `${checked} selected.`;
    const selectAll = form.querySelector("[data-mass-all]");
    selectAll.textContent = `Select all ${total}deals matching the filter`;
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
