// Small helps for Rapport's forms; every form works without this file.
(function () {
  "use strict";

  // An error summary takes the focus, so a screen reader and a phone user both land on it.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // The log form: an unhappy client (sentiment 1 or 2) opens "Concerns" by itself.
  document.querySelectorAll("details[data-opens-for-sentiment]").forEach((details) => {
    const form = details.closest("form");
    const low = Number(details.dataset.opensForSentiment);
    form.addEventListener("change", (event) => {
      const input = event.target;
      if (input.name === "sentiment" && input.value && Number(input.value) <= low && !details.open) {
        details.open = true;
      }
    });
  });

  // The client form: the account manager is not offered as her own teammate.
  document.querySelectorAll("select[name=account_manager]").forEach((select) => {
    const form = select.closest("form");
    const sync = () => {
      form.querySelectorAll("input[name=team]").forEach((box) => {
        const self = box.value === select.value;
        const row = box.closest(".form-check") || box;
        row.hidden = self;
        if (self) box.checked = false;
      });
    };
    select.addEventListener("change", sync);
    sync();
  });
})();
