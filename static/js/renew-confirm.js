// The staff renew page: refresh the preview as soon as the plan or product changes.
(function () {
  "use strict";
  document.querySelectorAll("[data-testid=preview-form] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
