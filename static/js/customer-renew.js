// The customer's renewal page: show the term and price of the plan chosen before confirming
// (the acceptance starts over).
(function () {
  "use strict";
  var plan = document.querySelector("[data-testid=customer-confirm-form] select[name=plan_years]");
  if (plan) plan.addEventListener("change", function () { window.location.search = "?plan_years=" + plan.value; });
})();
