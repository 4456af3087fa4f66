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

// Account picker: choosing a result (or a listed candidate) fills the hidden account_id;
// typing again clears it.
document.addEventListener("click", (event) => {
  const option = event.target.closest("[data-pick-account]");
  if (!option) return;
  const picker = option.closest(".account-picker");
  picker.querySelector('input[name="account_id"]').value = option.dataset.pickAccount;
  const input = picker.querySelector('input[name="account_name"]');
  input.value = option.dataset.accountName;
  input.classList.remove("is-invalid");
  picker.querySelector(".account-results").innerHTML = "";
  picker.querySelector("[data-account-matches]")?.remove();
});
// The suggestions are a dropdown over the fields below: a click or focus anywhere outside
// their picker closes them, and an answer arriving after the user moved on is not shown.
const closeSuggestions = (keep) => {
  document.querySelectorAll(".account-picker .account-results").forEach((results) => {
    if (results.childElementCount && !keep?.contains(results)) results.innerHTML = "";
  });
};
document.addEventListener("click", (event) => closeSuggestions(event.target.closest(".account-picker")));
document.addEventListener("focusin", (event) => closeSuggestions(event.target.closest(".account-picker")));
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (target?.matches?.(".account-results") && !target.closest(".account-picker").contains(document.activeElement)) {
    event.detail.shouldSwap = false;
  }
});
// Escape closes open suggestions and keeps the typed name (not the dialog's closing, nor the
// inline editor's cancelling); with no suggestions open it does what it usually does.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !event.target.matches('.account-picker input[name="account_name"]')) return;
  const results = event.target.closest(".account-picker").querySelector(".account-results");
  if (results.childElementCount) {
    event.preventDefault();
    results.innerHTML = "";
  }
});
// Escape in an inline editor (the opportunity page's Overview) cancels it: the field shows its
// stored value again and nothing is saved, as its Cancel button does.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const cancel = event.target.closest?.(".inline-editor")?.querySelector("[data-inline-cancel]");
  if (!cancel) return;
  event.preventDefault();
  cancel.click();
});
document.addEventListener("input", (event) => {
  if (event.target.matches('.account-picker input[name="account_name"]')) {
    event.target.closest(".account-picker").querySelector('input[name="account_id"]').value = "";
  }
});

// A "Cancel" button (data-dialog-close) closes its dialog; outside a dialog it goes back.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dialog-close]");
  if (!button) return;
  const dialog = button.closest("dialog");
  if (dialog) dialog.close(); else history.back();
});

// Filter forms (data-filter-skip="<selector>") refresh on a change of any field but those
// the selector names (text searches have their own trigger): htmx listens for "filterchange".
document.addEventListener("change", (event) => {
  const form = event.target.closest("[data-filter-skip]");
  if (!form || event.target.matches(form.dataset.filterSkip)) return;
  form.dispatchEvent(new CustomEvent("filterchange"));
});

// A select marked data-autosubmit submits its form when changed (the contact roles on the
// opportunity page); without JavaScript the form's <noscript> button does.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
});

// Forms posted on every change whose answers replace them (data-ordered: the import mapping):
// each request carries when it was sent ("sent", microseconds, never twice the same), so that
// the server keeps the newest choices when a request htmx gave up on still reaches it later.
let lastSent = 0;
document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.elt.closest?.("[data-ordered]")) return;
  lastSent = Math.max(lastSent + 1, Date.now() * 1000);
  event.detail.parameters.sent = String(lastSent);
});
