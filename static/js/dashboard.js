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
    var scale = { beginAtZero: !spec.percent, ticks: { precision: 0 } };
    if (spec.percent) { scale.suggestedMin = 50; scale.max = 100; }
    return new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: lang,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: scale },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (spec && spec.labels.length) { build(canvas, spec); }
  });

  // Printing shows the table alternatives too (details would print closed).
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
  });
})();
