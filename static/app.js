// Small behaviours the pages share. No inline scripts: the CSP allows only files from here.
(function () {
  "use strict";
  // After a form comes back with problems, put the cursor in the first wrong field.
  function focusFirstError(root) {
    var field = (root || document).querySelector('[aria-invalid="true"]');
    if (field) { field.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (e) { focusFirstError(e.target); });
  // Clear an old message when a new request starts.
  document.addEventListener("htmx:beforeRequest", function () {
    var flash = document.getElementById("flash");
    if (flash) { flash.innerHTML = ""; }
  });
  // Ask before destructive actions: forms and buttons carry data-confirm with the text.
  document.addEventListener("submit", function (e) {
    var text = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
})();
