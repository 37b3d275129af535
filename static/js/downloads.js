/* Long downloads (the raw responses take several seconds to start): the link
   shows a spinner and a status line until the server answers. The link gets a
   one-time token; the response sets the cookie sipas_download=<token> with its
   headers (dashboard/exports.py), which is how the page knows the file has
   started. Without JavaScript the link is an ordinary download. */
(function () {
  "use strict";
  var COOKIE = "sipas_download";

  function cookie() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]*)"));
    return match ? match[1] : "";
  }

  document.querySelectorAll("a[data-download-progress]").forEach(function (link) {
    var status = link.parentNode.querySelector(".download-status");
    var base = link.getAttribute("href").replace(/&download_token=[^&]*/, "");
    link.addEventListener("click", function (event) {
      if (link.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
      var token = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      link.setAttribute("href", base + "&download_token=" + token);
      link.setAttribute("aria-disabled", "true");
      link.classList.add("downloading");
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm ms-1";
      spinner.setAttribute("aria-hidden", "true");
      link.appendChild(spinner);
      if (status) { status.textContent = " " + link.dataset.busyText; }
      var started = Date.now();
      var timer = window.setInterval(function () {
        var arrived = cookie() === token;
        if (!arrived && Date.now() - started < 120000) { return; }
        window.clearInterval(timer);
        spinner.remove();
        link.removeAttribute("aria-disabled");
        link.classList.remove("downloading");
        if (status) { status.textContent = arrived ? " " + link.dataset.startedText : ""; }
        document.cookie = COOKIE + "=; Max-Age=0; path=/; SameSite=Lax";
      }, 300);
    });
  });
})();
