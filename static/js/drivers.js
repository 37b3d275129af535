/* Importance–performance matrix of the drivers page (Chart.js scatter). The
   same figures are in the table below the chart, which is the accessible
   alternative; the mean lines split the plane into the four quadrants. */
(function () {
  "use strict";
  var source = document.getElementById("driver-matrix-data");
  var canvas = document.getElementById("driver-matrix");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var spec = JSON.parse(source.textContent);
  var colours = { priority: "#dc3545", maintain: "#198754", secondary: "#6c757d", surplus: "#0d6efd" };

  var quadrantLines = {
    id: "quadrantLines",
    afterDraw: function (chart) {
      var ctx = chart.ctx, x = chart.scales.x, y = chart.scales.y;
      ctx.save();
      ctx.strokeStyle = "#adb5bd";
      ctx.setLineDash([4, 4]);
      if (spec.meanShare !== null) {
        var px = x.getPixelForValue(spec.meanShare);
        ctx.beginPath(); ctx.moveTo(px, y.top); ctx.lineTo(px, y.bottom); ctx.stroke();
      }
      if (spec.meanIndex !== null) {
        var py = y.getPixelForValue(spec.meanIndex);
        ctx.beginPath(); ctx.moveTo(x.left, py); ctx.lineTo(x.right, py); ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.fillStyle = "#495057";
      ctx.font = "12px sans-serif";
      ctx.textAlign = "right"; ctx.fillText(spec.quadrants.priority, x.right - 4, y.bottom - 6);
      ctx.fillText(spec.quadrants.maintain, x.right - 4, y.top + 14);
      ctx.textAlign = "left"; ctx.fillText(spec.quadrants.secondary, x.left + 4, y.bottom - 6);
      ctx.fillText(spec.quadrants.surplus, x.left + 4, y.top + 14);
      chart.data.datasets[0].data.forEach(function (point, i) {
        var meta = chart.getDatasetMeta(0).data[i];
        ctx.textAlign = "left";
        ctx.fillText(point.label, meta.x + 7, meta.y - 5);
      });
      ctx.restore();
    },
  };

  // Numbers as the page writes them (sipas/numbers.py): 12,5 in Vietnamese.
  var lang = document.documentElement.lang || "vi";
  function fmt(value, digits) {
    return new Intl.NumberFormat(lang, {
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
  }

  new Chart(canvas, {
    type: "scatter",
    data: {
      datasets: [{
        data: spec.points,
        pointRadius: 6,
        backgroundColor: spec.points.map(function (p) { return colours[p.quadrant]; }),
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (c) {
          return c.raw.label + ": " + fmt(c.raw.x, 1) + " % R², " + fmt(c.raw.y, 2) + " %";
        } } },
      },
      scales: {
        x: { title: { display: true, text: spec.xLabel }, beginAtZero: true },
        y: { title: { display: true, text: spec.yLabel } },
      },
    },
    plugins: [quadrantLines],
  });
})();
