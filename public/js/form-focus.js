// A form sent back with errors puts the keyboard on its first invalid field
// (issue 13 defect 9), so a keyboard or screen-reader user starts where the
// problem is. The server marks such fields aria-invalid; without this script
// the form still shows every message beside its field.
(() => {
  const field = document.querySelector('main [aria-invalid="true"]');
  if (field && typeof field.focus === "function") field.focus();
})();
