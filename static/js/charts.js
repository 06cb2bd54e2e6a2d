// Draws the charts of a page. Each <canvas data-chart="kind" data-source="id"> reads its data
// from the <script type="application/json" id="id"> that Django's json_script wrote; every chart
// has a text alternative next to it (an aria-label and a table), so nothing depends on this file.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  // Long labels break into lines of about `width` characters, so a narrow chart does not clip them.
  function wrap(label, width) {
    const lines = [];
    for (const word of String(label).split(" ")) {
      const last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= width) lines[last] += " " + word;
      else lines.push(word);
    }
    return lines;
  }

  const BAND_COLOURS = { healthy: "#146c43", watch: "#ffc107", at_risk: "#b02a37" };
  const builders = {
    bands(data) {
      return {
        type: "bar",
        data: {
          labels: ["Healthy", "Watch", "At risk"],
          datasets: [{ label: "Clients", data: [data.healthy, data.watch, data.at_risk],
                       backgroundColor: [BAND_COLOURS.healthy, BAND_COLOURS.watch, BAND_COLOURS.at_risk] }],
        },
        options: {
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          // Each bar opens the client list filtered to its band (the links beside the chart do the same).
          onClick(event, elements) {
            if (data.links && elements.length) window.location.assign(data.links[elements[0].index]);
          },
        },
      };
    },
    history(data) {
      return {
        type: "line",
        data: {
          labels: data.map((point) => point.date),
          datasets: [{ label: "Health score", data: data.map((point) => point.score), borderColor: "#146c43",
                       backgroundColor: data.map((point) => BAND_COLOURS[point.band]), pointRadius: 2, tension: 0.1 }],
        },
        options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } },
      };
    },
    sentiment(data) {
      return {
        type: "line",
        data: {
          labels: data.map((point) => point.date),
          datasets: [{ label: "Sentiment (1 very unhappy – 5 very happy)", data: data.map((point) => point.sentiment),
                       borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2 }],
        },
        options: { scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } } }, plugins: { legend: { display: false } } },
      };
    },
    factors(data) {
      return {
        type: "bar",
        data: {
          labels: data.map((factor) => wrap(factor.label, 16)),
          datasets: [{ label: "Points taken off", data: data.map((factor) => factor.points), backgroundColor: "#b02a37" }],
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { max: 0 } } },
      };
    },
  };

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.source);
    const build = builders[canvas.dataset.chart];
    if (!source || !build) return;
    const config = build(JSON.parse(source.textContent));
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
    new Chart(canvas, config);
  });
})();
