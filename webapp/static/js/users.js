// Users admin: a button with data-copy="<selector>" copies that field's value (the one-time
// link); without the clipboard API the text is selected for the admin to copy.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).catch(() => {});
  }
});
