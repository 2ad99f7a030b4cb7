// The email branding page (/settings/branding/): as the admin types, the draft is posted to the
// preview endpoint (debounced; nothing is stored) and the answer, a real reminder rendered by the
// server exactly as it would be sent, replaces the sandboxed frames' srcdoc. Also: a colour picker
// beside the colour field, and a character count under each text with a limit.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=branding-form]");
  var section = document.querySelector("[data-testid=branding-preview]");
  if (!form || !section) return;
  var DELAY = 300;
  var timer = null;
  var controller = null;
  var sequence = 0;

  function show(result) {
    Object.keys(result.previews).forEach(function (language) {
      var pane = section.querySelector(".tab-pane[data-language=" + language + "]");
      if (!pane) return;
      var preview = result.previews[language];
      pane.querySelector("[data-preview=html]").srcdoc = preview.html;
      pane.querySelector("[data-preview=text]").textContent = preview.text;
      pane.querySelector("[data-preview=subject]").textContent = preview.subject;
      pane.querySelector("[data-preview=no-message]").hidden = preview.has_message;
    });
    var list = section.querySelector("[data-preview=errors]");
    if (list) {
      list.replaceChildren();
      Object.keys(result.errors).forEach(function (name) {
        result.errors[name].forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = message;
          list.appendChild(item);
        });
      });
    }
  }

  function failed() {
    var list = section.querySelector("[data-preview=errors]");
    if (!list) return;
    var item = document.createElement("li");
    item.textContent = section.dataset.failed;
    list.replaceChildren(item);
  }

  function refresh() {
    var data = new FormData(form);
    data.delete("logo"); // only stored on saving; the preview shows the saved logo
    if (controller) controller.abort();
    controller = new AbortController();
    var mine = ++sequence;
    section.dataset.state = "updating";
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      signal: controller.signal,
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (result) {
        if (mine !== sequence) return;
        show(result);
        section.dataset.state = "ready";
      })
      .catch(function (error) {
        if (error.name === "AbortError" || mine !== sequence) return;
        failed();
        section.dataset.state = "failed";
      });
  }

  function schedule(event) {
    if (event.target && event.target.type === "file") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // A character count under each text with a limit.
  form.querySelectorAll("[data-counted]").forEach(function (field) {
    var limit = field.getAttribute("maxlength");
    if (!limit) return;
    var count = document.createElement("div");
    count.className = "form-text text-end";
    count.setAttribute("aria-live", "polite");
    count.dataset.countFor = field.name;
    function update() {
      count.textContent = field.value.length + " / " + limit;
    }
    field.insertAdjacentElement("afterend", count);
    field.addEventListener("input", update);
    update();
  });

  // A native colour picker beside the colour field, kept in step with it both ways.
  var color = form.querySelector("input[name=brand_color]");
  if (color) {
    var picker = document.createElement("input");
    picker.type = "color";
    picker.className = "form-control form-control-color flex-shrink-0";
    picker.setAttribute("aria-label", color.labels && color.labels[0] ? color.labels[0].textContent.trim() : "colour");
    var valid = /^#[0-9a-fA-F]{6}$/;
    var sync = function () {
      if (valid.test(color.value.trim())) picker.value = color.value.trim().toLowerCase();
    };
    sync();
    if (!valid.test(color.value.trim())) picker.value = "#1f6feb";
    picker.addEventListener("input", function () {
      color.value = picker.value;
      color.dispatchEvent(new Event("input", { bubbles: true }));
    });
    color.addEventListener("input", sync);
    var row = document.createElement("div");
    row.className = "d-flex gap-2 align-items-center";
    color.insertAdjacentElement("beforebegin", row);
    row.appendChild(color);
    row.appendChild(picker);
  }
})();
