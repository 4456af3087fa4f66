// Opportuno: the week calendar. Each hour cell is a SortableJS list; dropping a chip in
// another cell posts its new day and hour (minutes kept) and the server answers the week.
(() => {
  const post = (chip, cell) => {
    const calendar = document.getElementById("calendar");
    const minute = String(chip.dataset.minute || "0").padStart(2, "0");
    const hour = String(cell.dataset.hour).padStart(2, "0");
    htmx.ajax("POST", chip.dataset.url, {
      target: "#calendar",
      swap: "outerHTML",
      values: { due_at: `${cell.dataset.date}T${hour}:${minute}`, view: "calendar", week: calendar.dataset.week },
    });
  };
  const setUp = (root) => {
    root.querySelectorAll(".calendar-slot").forEach((cell) => {
      if (cell.sortable) return;
      cell.sortable = Sortable.create(cell, {
        group: "calendar",
        draggable: "[data-draggable]",
        filter: "details, input, button",
        preventOnFilter: false,
        forceFallback: true,
        fallbackTolerance: 4,
        onEnd: (event) => { if (event.from !== event.to) post(event.item, event.to); },
      });
    });
  };
  document.addEventListener("DOMContentLoaded", () => {
    const calendar = document.getElementById("calendar");
    if (calendar) setUp(calendar);
  });
  document.addEventListener("htmx:load", (event) => {
    if (event.detail.elt.id === "calendar") setUp(event.detail.elt);
  });
})();
