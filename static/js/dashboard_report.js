/* Polls the PDF report job (dashboard:report_status) until it is done or failed,
   showing its progress; the page also works without script (reload). */
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box) { return; }
  var bar = document.getElementById("report-progress");
  var percent = document.getElementById("report-percent");
  var message = document.getElementById("report-message");
  var link = document.getElementById("report-download");

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.value = job.progress;
        percent.textContent = job.progress + " %";
        message.textContent = job.message || job.status;
        if (job.status === "done") {
          link.classList.remove("d-none");
        } else if (job.status !== "failed") {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
