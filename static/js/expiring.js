// The Expiring Certificates page. htmx (attributes in the templates) loads the Quick View panel and
// saves the renewal-notice switches; this file covers what attributes cannot say under the
// Content-Security-Policy (no inline handlers, no eval).
(function () {
  "use strict";
  var failed = document.getElementById("messages-i18n").dataset.failed;

  // A modified click (new tab, new window) on an order number opens the full page as a plain link
  // does: neither htmx nor the panel gets the click. On window, in the capture phase: before
  // Bootstrap's handler, which listens on document in that phase.
  window.addEventListener("click", function (event) {
    if ((event.ctrlKey || event.metaKey || event.shiftKey) && event.target.closest("a.order-quick-view")) {
      event.stopPropagation();
    }
  }, true);

  // A switch whose save got no answer to show (a server error, the network): it goes back to the
  // stored value and says so. Refusals come back as the switch's own fragment, saying why.
  function notSaved(event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("notices-form")) return;
    var input = form.querySelector(".notices-switch");
    var status = form.querySelector(".notices-status");
    input.checked = !input.checked;
    status.textContent = failed;
    status.className = "small notices-status text-danger";
    status.dataset.state = "failed";
  }
  document.body.addEventListener("htmx:responseError", notSaved);
  document.body.addEventListener("htmx:sendError", notSaved);
})();
