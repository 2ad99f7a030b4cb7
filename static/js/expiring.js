// The Expiring Certificates page: renewal-notice switches that save at once, and the Quick View panel.
(function () {
  "use strict";
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var text = document.getElementById("messages-i18n").dataset;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body,
      credentials: "same-origin",
    });
  }

  document.querySelectorAll(".notices-switch").forEach(function (input) {
    input.addEventListener("change", function () {
      var status = input.parentElement.querySelector(".notices-status");
      var wanted = input.checked;
      var body = new URLSearchParams({ enabled: wanted ? "true" : "false" });
      input.disabled = true;
      status.textContent = "";
      post(input.dataset.url, body)
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          input.checked = data.renewal_notices;
          status.textContent = text.saved;
          status.className = "small notices-status text-success";
          status.dataset.state = "saved";
        })
        .catch(function () {
          input.checked = !wanted;
          status.textContent = text.failed;
          status.className = "small notices-status text-danger";
          status.dataset.state = "failed";
        })
        .finally(function () { input.disabled = false; });
    });
  });

  var panelElement = document.getElementById("quick-view");
  var panel = new bootstrap.Offcanvas(panelElement);
  var panelBody = panelElement.querySelector(".offcanvas-body");

  function loadPanel(url) {
    panelBody.textContent = text.loading;
    return fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "panel=1", { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        panelBody.innerHTML = html;
        panelBody.dataset.url = url;
        bindPanelForms();
      });
  }

  // Forms inside the panel (notes) post in place and reload the panel, so the list stays put.
  function bindPanelForms() {
    panelBody.querySelectorAll("form[data-panel-form]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        post(form.action, new FormData(form)).then(function () { loadPanel(panelBody.dataset.url); });
      });
    });
  }

  document.querySelectorAll("a.order-quick-view").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;  // a new tab gets the full page
      event.preventDefault();
      panel.show();
      loadPanel(link.getAttribute("href"));
    });
  });
})();
