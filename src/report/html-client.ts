// The script report.html runs: it draws the two interactive uPlot charts from the embedded JSON
// (see html-data.ts for its shape). Plain ES2017 in a string, since it runs in the reader's browser,
// not in node; it uses no template literals so that this file can hold it in one.
// Interaction is uPlot's own: the legend shows the values under the cursor, drag selects a step range
// to zoom into, double-click zooms back out; the cursor is shared by both charts.

export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('gate-data').textContent);
  var COLOURS = { baseline: '#2563eb', candidate: '#dc2626', pass: 'rgba(22,163,74,0.8)', band: 'rgba(22,163,74,0.13)', fail: 'rgba(185,28,28,0.85)' };
  var charts = [];

  // Cells: number; null = no point here (the line continues); a name = non-finite (the line breaks).
  function decode(cells) {
    return cells.map(function (v) { return v === null ? undefined : typeof v === 'string' ? null : v; });
  }
  function num(v, sig) {
    if (v == null) return '—';
    if (!isFinite(v)) return String(v);
    if (v === 0) return '0';
    var a = Math.abs(v);
    if (a >= 1e6 || a < 1e-4) return v.toExponential(sig - 1);
    return String(Number(v.toPrecision(sig)));
  }
  function pct(v) { return v == null ? '—' : !isFinite(v) ? String(v) : (v > 0 ? '+' : '') + num(v * 100, 3) + ' %'; }
  function lossFmt(u, v) { return num(v, 6); }
  function pctFmt(u, v) { return pct(v); }
  function stepFmt(u, v) { return v == null ? '—' : String(v); }

  // Vertical lines (early abort, first non-finite loss) and a shaded warm-up range, drawn on the canvas.
  function overlay(markers, warmupEnd) {
    return {
      hooks: {
        drawClear: [function (u) {
          if (warmupEnd == null) return;
          var ctx = u.ctx, left = u.bbox.left, x = u.valToPos(warmupEnd, 'x', true);
          if (x <= left) return;
          ctx.save();
          ctx.fillStyle = 'rgba(107,114,128,0.10)';
          ctx.fillRect(left, u.bbox.top, Math.min(x, left + u.bbox.width) - left, u.bbox.height);
          ctx.fillStyle = 'rgba(55,65,81,0.9)';
          ctx.font = Math.round(11 * devicePixelRatio) + 'px system-ui, sans-serif';
          ctx.textAlign = 'left';
          ctx.textBaseline = 'alphabetic';
          ctx.fillText('warm-up (not gated)', left + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx, pr = devicePixelRatio;
          markers.forEach(function (m, i) {
            var x = u.valToPos(m.step, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            var colour = m.kind === 'abort' ? '#ea580c' : '#7c3aed';
            ctx.save();
            ctx.strokeStyle = colour;
            ctx.lineWidth = 2 * pr;
            ctx.setLineDash([6 * pr, 4 * pr]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = colour;
            ctx.font = 'bold ' + Math.round(11 * pr) + 'px system-ui, sans-serif';
            ctx.textAlign = 'left'; // uPlot leaves whatever its last axis label used
            ctx.textBaseline = 'alphabetic';
            var text = m.label, w = ctx.measureText(text).width;
            var tx = x + 4 * pr + w > u.bbox.left + u.bbox.width ? x - 4 * pr - w : x + 4 * pr;
            ctx.fillText(text, tx, u.bbox.top + (14 + 14 * i) * pr);
            ctx.restore();
          });
        }],
      },
    };
  }

  // The y axis as wide as its longest tick label (a diverged run's gap runs to six digits).
  function axisSize(u, values) {
    var longest = 0;
    (values || []).forEach(function (v) { longest = Math.max(longest, String(v).length); });
    return Math.max(50, 28 + longest * 7);
  }
  var FLAT = { show: false };

  function size(el, height) { return { width: Math.max(320, el.clientWidth), height: height }; }

  function base(el, height, yLabel, yValues) {
    var s = size(el, height);
    return {
      width: s.width,
      height: s.height,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, yValues ? { label: yLabel, size: axisSize, values: yValues } : { label: yLabel, size: axisSize }],
      // Drag zooms into steps; a mostly vertical drag zooms into values (a diverged run's spike
      // flattens everything else). Double-click zooms back out.
      cursor: { sync: { key: 'gate-steps' }, drag: { x: true, y: true, uni: 40 } },
      legend: { live: true },
    };
  }

  function constant(x, v) { return x.map(function () { return v; }); }

  function lossChart(el) {
    var d = data.loss, L = data.labels, pass = data.bounds.pass;
    var b = decode(d.baseline), c = decode(d.candidate);
    var opts = base(el, 380, 'loss');
    opts.series = [
      { label: 'step', value: stepFmt },
      { label: L.baseline + ' (baseline)', stroke: COLOURS.baseline, width: 2, value: lossFmt },
      { label: L.candidate + ' (candidate)', stroke: COLOURS.candidate, width: 2, value: lossFmt },
    ];
    var cols = [d.x, b, c];
    if (pass != null && isFinite(pass)) {
      var band = function (sign) {
        return b.map(function (v) { return v == null ? v : v + sign * Math.abs(v) * pass; });
      };
      opts.series.push(
        { label: 'pass band ±' + num(pass * 100, 3) + ' % of ' + L.baseline, stroke: COLOURS.pass, width: 1, dash: [4, 4], value: lossFmt, points: FLAT },
        { label: 'pass band (lower)', stroke: COLOURS.pass, width: 1, dash: [4, 4], value: lossFmt, points: FLAT }
      );
      cols.push(band(1), band(-1));
      opts.bands = [{ series: [3, 4], fill: COLOURS.band }];
    }
    opts.plugins = [overlay(data.markers, null)];
    var u = new uPlot(opts, cols, el);
    var rows = u.root.querySelectorAll('.u-legend .u-series');
    if (rows.length > 4) rows[4].style.display = 'none';
    return u;
  }

  function gapChart(el) {
    var d = data.gap, pass = data.bounds.pass, fail = data.bounds.fail;
    var opts = base(el, 300, 'relative gap', function (u, splits) { return splits.map(pct); });
    opts.series = [
      { label: 'step', value: stepFmt },
      { label: 'per step (raw, as loss-tail averages)', stroke: 'rgba(220,38,38,0.35)', width: 1, value: pctFmt },
      { label: 'smoothed (EMA ' + num(data.emaAlpha, 3) + ', as loss-curve compares)', stroke: COLOURS.candidate, width: 2, value: pctFmt },
    ];
    var cols = [d.x, decode(d.raw), decode(d.smooth)];
    if (pass != null && isFinite(pass)) {
      opts.series.push(
        { label: '±pass ' + num(pass * 100, 3) + ' %', stroke: COLOURS.pass, width: 1, dash: [4, 4], value: pctFmt, points: FLAT },
        { label: '−pass', stroke: COLOURS.pass, width: 1, dash: [4, 4], value: pctFmt, points: FLAT }
      );
      cols.push(constant(d.x, pass), constant(d.x, -pass));
      opts.bands = [{ series: [3, 4], fill: COLOURS.band }];
    }
    if (fail != null && isFinite(fail)) {
      opts.series.push(
        { label: '±fail ' + num(fail * 100, 3) + ' %', stroke: COLOURS.fail, width: 1.5, dash: [8, 4], value: pctFmt, points: FLAT },
        { label: '−fail', stroke: COLOURS.fail, width: 1.5, dash: [8, 4], value: pctFmt, points: FLAT }
      );
      cols.push(constant(d.x, fail), constant(d.x, -fail));
    }
    opts.plugins = [overlay(data.markers, d.warmupEnd)];
    var u = new uPlot(opts, cols, el);
    // The lower bound lines repeat the upper ones with the sign flipped: one legend entry each.
    u.root.querySelectorAll('.u-legend .u-series').forEach(function (row, i) {
      if (opts.series[i] && /^−/.test(opts.series[i].label)) row.style.display = 'none';
    });
    return u;
  }

  function mount(id, make, enabled) {
    var el = document.getElementById(id);
    if (!el || !enabled) return;
    el.textContent = '';
    var u = make(el);
    charts.push({ u: u, el: el });
  }

  mount('loss-chart', lossChart, data.loss);
  mount('gap-chart', gapChart, data.gap);

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      charts.forEach(function (c) { c.u.setSize({ width: Math.max(320, c.el.clientWidth), height: c.u.height }); });
    });
  });
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
`;
