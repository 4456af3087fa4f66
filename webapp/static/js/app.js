// Opportuno: the little JavaScript every page shares.
// Dialogs: a fragment swapped into #modal-root that holds a <dialog> opens as a modal;
// closing it empties the root so the next one starts clean.
document.addEventListener("htmx:afterSwap", (event) => {
  const root = document.getElementById("modal-root");
  if (!root || !root.contains(event.detail.elt)) return;
  const dialog = root.querySelector("dialog");
  if (dialog && !dialog.open) {
    dialog.addEventListener("close", () => { root.innerHTML = ""; }, { once: true });
    dialog.showModal();
  }
});

// A response can ask for the open dialog to close: HX-Trigger: closeDialog
document.addEventListener("DOMContentLoaded", () => {
  document.body.addEventListener("closeDialog", () => {
    document.querySelector("#modal-root dialog")?.close();
  });
});
