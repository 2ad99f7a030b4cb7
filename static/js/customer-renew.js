// The customer's renewal page: show the term and price of the product and plan chosen before
// confirming (the acceptance starts over). The product radios and the plan belong to the page's GET
// choice form (id renewal-choice), so submitting it keeps both; without script, "Show the price" does.
(function () {
  "use strict";
  var choice = document.getElementById("renewal-choice");
  if (!choice) return;
  var fields = document.querySelectorAll("#renewal-choice input[name=product], select[form=renewal-choice]");
  Array.prototype.forEach.call(fields, function (field) {
    field.addEventListener("change", function () { choice.submit(); });
  });
})();
