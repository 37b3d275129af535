/* Draws the dashboard charts from the JSON the page embeds (json_script
   "dashboard-charts"); each canvas names its chart in data-chart. Every chart
   has a table alternative in the page, so nothing here is essential to read it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var palette = ["#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997"];
  var lang = document.documentElement.lang || "vi";

  // Numbers as the page writes them (sipas/numbers.py): Vietnamese 79,60 and
  // 15.808, English 79.60 and 15,808. Percent axes carry whole numbers and "%";
  // count axes group thousands (7.000 is seven thousand).
  function fmt(value, digits) {
    return new Intl.NumberFormat(lang, {
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
  }
  function percentTick(value) { return fmt(value, 0) + " %"; }
  function countTick(value) { return Number.isInteger(value) ? fmt(value, 0) : ""; }
  function logTick(value) {
    var lead = value / Math.pow(10, Math.floor(Math.log10(value)));
    return [1, 2, 5].indexOf(Math.round(lead)) >= 0 && Math.abs(lead - Math.round(lead)) < 1e-9
      ? fmt(value, 0) : "";
  }

  function build(canvas, spec) {
    var datasets = spec.datasets.map(function (set, i) {
      var colour = palette[i % palette.length];
      return {
        label: set.label,
        data: set.data,
        borderColor: colour,
        backgroundColor: spec.type === "line" ? colour : colour + "cc",
        spanGaps: true,
        tension: 0.2,
      };
    });
    var scale = { beginAtZero: !spec.percent,
      ticks: { precision: 0, callback: spec.percent ? percentTick : countTick } };
    if (spec.percent) { scale.suggestedMin = 50; scale.max = 100; }
    function label(ctx) {
      var y = ctx.parsed.y;
      var text = y === null ? "–" : spec.percent ? fmt(y, 2) + " %" : fmt(y, 0);
      return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + text;
    }
    return new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: lang,
        plugins: { legend: { display: datasets.length > 1 },
          tooltip: { callbacks: { label: label } } },
        scales: { y: scale },
      },
    });
  }

  // Funnel plot (ranking page): agencies as points (index against n), the
  // group mean and the 95 % and 99.8 % limits as lines narrowing with n.
  function funnel(canvas, spec) {
    function line(data, label, colour, dash) {
      return { type: "line", label: label, data: data, borderColor: colour,
        borderDash: dash, borderWidth: 1.5, pointRadius: 0, fill: false, tension: 0 };
    }
    var names = spec.names;
    var datasets = [
      { type: "scatter", label: names.points, data: spec.points,
        backgroundColor: "#0d6efd", pointRadius: 4 },
      line(spec.mean, names.mean, "#212529", []),
      line(spec.limits["95"][0], names["95"], "#fd7e14", [6, 3]),
      line(spec.limits["95"][1], "", "#fd7e14", [6, 3]),
      line(spec.limits["998"][0], names["998"], "#dc3545", [2, 3]),
      line(spec.limits["998"][1], "", "#dc3545", [2, 3]),
    ];
    return new Chart(canvas, {
      type: "scatter",
      data: { datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: lang,
        plugins: {
          legend: { labels: { filter: function (item) { return item.text !== ""; } } },
          tooltip: { callbacks: { label: function (ctx) {
            var p = ctx.raw;
            return (p.label ? p.label + ": " : "") + fmt(p.y, 2) + " % (n = " + fmt(p.x, 0) + ")";
          } } },
        },
        scales: {
          x: { type: "logarithmic", title: { display: true, text: names.x },
            ticks: { callback: logTick } },
          y: { suggestedMin: 50, max: 100, ticks: { callback: percentTick } },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (spec && spec.type === "funnel") { funnel(canvas, spec); return; }
    if (spec && spec.labels.length) { build(canvas, spec); }
  });

  // Printing shows the table alternatives too (details would print closed).
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
  });
})();

/* The agency picker of the filter form (templates/dashboard/_filters.html): as
   the user types a name without diacritics, the visible agencies that match are
   offered in the field's datalist (GET dashboard:agency_search, scope checked
   there). Choosing one puts its code in the field. Without JavaScript the form
   sends what was typed and the server resolves the name itself. */
(function () {
  "use strict";
  var input = document.getElementById("f-agency");
  var list = document.getElementById("f-agency-options");
  if (!input || !list || !input.dataset.searchUrl || !window.fetch) { return; }
  var timer = null;
  var last = "";

  function fill(results) {
    list.textContent = "";
    results.forEach(function (agency) {
      var option = document.createElement("option");
      option.value = agency.code;
      option.label = agency.name + " · " + agency.kind;
      option.textContent = agency.name;
      list.appendChild(option);
    });
  }

  function search() {
    var text = input.value.trim();
    if (text.length < 2 || text === last) { return; }
    last = text;
    fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { if (input.value.trim() === text) { fill(data.results); } })
      .catch(function () { /* the plain form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 200);
  });
})();
