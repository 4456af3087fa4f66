// Opportuno: activities. The prompt to schedule the next activity after a move, the
// dialog's dismiss button, and the refresh of a deal's activities panel after a save.
(() => {
  // A modeless dialog (data-modeless: the prompt after a move) opens without blocking the
  // page; app.js opens the modal ones. Emptying the root on close starts the next one clean.
  document.addEventListener("htmx:afterSwap", (event) => {
    const root = document.getElementById("modal-root");
    if (!root || !root.contains(event.detail.elt)) return;
    const dialog = root.querySelector("dialog[data-modeless]");
    if (dialog && !dialog.open) {
      // It offers, it does not interrupt: the focus stays where the user was (the card's
      // stage selector after a keyboard move); the dialog is next in the tab order's end.
      const focused = document.activeElement;
      dialog.addEventListener("close", () => { root.innerHTML = ""; }, { once: true });
      dialog.show();
      if (focused && focused !== document.body && document.contains(focused)) focused.focus();
    }
  });
  // app.js shows dialogs modally on the same event; a modeless one it must leave alone, so
  // it is opened first (above) and app.js then sees it open.

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const dialog = document.querySelector("#modal-root dialog[data-modeless][open]");
    if (dialog) dialog.close();
  });

  document.addEventListener("DOMContentLoaded", () => {
    // HX-Trigger: offerNextActivity {url}: after a stage move, offer the next activity,
    // unless another dialog is open (a lost reason being asked, say).
    document.body.addEventListener("offerNextActivity", (event) => {
      setTimeout(() => {
        if (document.querySelector("#modal-root dialog[open]")) return;
        htmx.ajax("GET", event.detail.url, { target: "#modal-root", swap: "innerHTML" });
      }, 0);
    });
    // HX-Trigger: activitiesChanged {panel}: the deal page's activities panel refreshes.
    document.body.addEventListener("activitiesChanged", (event) => {
      if (document.getElementById("panel-activities") && event.detail.panel) {
        htmx.ajax("GET", event.detail.panel, { target: "#panel-activities", swap: "outerHTML" });
      }
    });
  });
})();
