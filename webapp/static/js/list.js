// The lists (deals, accounts, contacts, leads): select all on the page, order the columns
// in the chooser by drag and drop (SortableJS), resize the columns by their header edge.
// Widths go into the URL (widths=key:px,...) and into the state the saved views store.


// Select all on this page.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-select-page]")) return;
  const table = event.target.closest("table");
  table.querySelectorAll('tbody input[name="ids"]').forEach((box) => {
    box.checked = event.target.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  });
});

function initColumnOrder(root) {
  if (typeof Sortable === "undefined") return;
  root.querySelectorAll("[data-column-order]").forEach((list) => {
    if (!list.sortable) list.sortable = Sortable.create(list, { handle: ".drag-handle", animation: 120 });
  });
}

// The state a saved view stores follows the URL (a resize changes it without a request).
function syncState() {
  const params = new URLSearchParams(location.search);
  ["after", "before", "last", "view"].forEach((key) => params.delete(key));
  document.querySelectorAll("[data-list-state]").forEach((input) => { input.value = params.toString(); });
}

function setWidths(table) {
  const widths = [];
  table.querySelectorAll("thead th[data-col]").forEach((th) => {
    widths.push(`${th.dataset.col}:${Math.round(th.getBoundingClientRect().width)}`);
  });
  const url = new URL(location.href);
  url.searchParams.set("widths", widths.join(","));
  history.replaceState(history.state, "", url);
  document.querySelectorAll('#list-state input[name="widths"], [data-column-chooser] input[name="widths"]').forEach((input) => input.remove());
  ["#list-state", "[data-column-chooser]"].forEach((selector) => {
    const holder = document.querySelector(selector);
    if (!holder) return;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "widths";
    input.value = widths.join(",");
    holder.prepend(input);
  });
  syncState();
}

document.addEventListener("pointerdown", (event) => {
  const handle = event.target.closest("[data-resize]");
  if (!handle) return;
  event.preventDefault();
  const th = handle.closest("th");
  const table = th.closest("table");
  // Freeze every column at its current width, then let this one follow the pointer.
  table.querySelectorAll("thead th[data-col]").forEach((cell) => {
    const col = table.querySelector(`col[data-col="${cell.dataset.col}"]`);
    if (col) col.style.width = `${Math.round(cell.getBoundingClientRect().width)}px`;
  });
  table.classList.add("list-fixed");
  const col = table.querySelector(`col[data-col="${th.dataset.col}"]`);
  const startX = event.clientX;
  const startWidth = th.getBoundingClientRect().width;
  const move = (e) => { col.style.width = `${Math.max(40, Math.min(1200, startWidth + e.clientX - startX))}px`; };
  const up = () => {
    document.removeEventListener("pointermove", move);
    document.removeEventListener("pointerup", up);
    setWidths(table);
  };
  document.addEventListener("pointermove", move);
  document.addEventListener("pointerup", up);
});

document.addEventListener("DOMContentLoaded", () => { initColumnOrder(document); syncState(); });
document.addEventListener("htmx:load", (event) => initColumnOrder(event.detail.elt));
document.addEventListener("htmx:pushedIntoHistory", syncState);
