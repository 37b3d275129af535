/* Comment triage (templates/dashboard/comments.html), progressive enhancement:
   - each card's review form is saved in place (fetch, Accept: JSON) and says
     so in its own status line; the page does not reload or jump to the top. A
     failed save shows the error there and keeps everything typed. Without
     JavaScript the form posts normally and comes back to the card's anchor.
   - "select all" for the bulk status change (the checkboxes work without it). */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }

  function say(form, text, failed) {
    var line = form.querySelector(".save-status");
    if (!line) { return; }
    line.textContent = text;
    line.className = "col-12 small save-status " + (failed ? "text-danger" : "text-success");
  }

  document.querySelectorAll("form.review-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().catch(function () {
            return { ok: false, error: form.dataset.failed || "Không lưu được (" + response.status + ")." };
          });
        })
        .then(function (data) {
          // The button is usable again before the status line says the save
          // is over, so what the line announces is a form ready for the next.
          if (button) { button.disabled = false; }
          if (!data.ok) { say(form, data.error, true); return; }
          say(form, data.message, false);
          var card = form.closest(".comment");
          if (card) {
            card.className = card.className.replace(/\bstatus-\S+/, "status-" + data.status);
            var label = card.querySelector("[data-role=status-label]");
            if (label) { label.textContent = data.status_label; }
          }
        })
        .catch(function () {
          if (button) { button.disabled = false; }
          say(form, form.dataset.failed || "Không lưu được.", true);
        });
    });
  });

  var all = document.getElementById("bulk-all");
  if (all) {
    all.hidden = false;
    all.nextElementSibling.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input.bulk-pick").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
