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
  // The busy bar under the top bar: on while any htmx request is in flight (the badge poll included, but CSS
  // shows the bar only after a short delay, so quick answers never flash it).
  var inFlight = 0;
  function busy(delta) {
    inFlight = Math.max(0, inFlight + delta);
    document.documentElement.classList.toggle("is-busy", inFlight > 0);
  }
  document.addEventListener("htmx:beforeRequest", function () { busy(1); });
  document.addEventListener("htmx:afterRequest", function () { busy(-1); });
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
  // A keyword suggestion's "Use" button fills the form's type and urgency
  // selects with the values its data attributes name. Only this click sets
  // them: a suggestion never changes what the person chose by itself.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-suggest-type]");
    var form = button && button.closest("form");
    if (!form) { return; }
    [["ticket_type", "data-suggest-type"], ["urgency", "data-suggest-urgency"]].forEach(function (pair) {
      var value = button.getAttribute(pair[1]);
      var select = form.querySelector('select[name="' + pair[0] + '"]');
      if (value && select) {
        select.value = value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
  // A <datalist data-for="field-id"> offers its options to that field.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("datalist[data-for]").forEach(function (list) {
      var field = document.getElementById(list.getAttribute("data-for"));
      if (field) { field.setAttribute("list", list.id); }
    });
  });
})();
