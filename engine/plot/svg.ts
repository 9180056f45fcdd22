/**
 * Small, dependency-free SVG charts: line and scatter series on linear or logarithmic axes,
 * with ticks, labels, a legend, and optional reference circles and lines (the unit circle of
 * an eigenvalue plot, the y = 1 line of a gradient-norm plot). Several charts compose into
 * one file side by side. Points that cannot be drawn (NaN, ±∞, ≤ 0 on a log axis) break the
 * line instead of bending it.
 */

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  dashed?: boolean;
  /** Draw a marker at each point (default: only when the series has one point). */
  markers?: boolean;
  /** Connect the points (default true). */
  line?: boolean;
}

export interface Chart {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  /** Where the legend sits, inside the plot at the top: right (default), or left for series that rise to the right. */
  legendAt?: "left" | "right";
  series: Series[];
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Same scale on both axes (a complex plane). */
  equalAspect?: boolean;
  circles?: { cx: number; cy: number; r: number; label?: string }[];
  hLines?: { y: number; label?: string }[];
  width?: number;
  height?: number;
}

export const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#7f7f7f",
  "#bcbd22",
];

export const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (v: number) =>
  Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(0).replace("e+", "e")
    : String(Number(v.toPrecision(6)));

/** "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // A range a few units in the last place wide has no steps to count (adding one would not move v).
  if (!(step > 4 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi)))) return [lo, hi];
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) {
    const v = k * step;
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

/** The smallest and largest value, by a loop: Math.min(...values) overflows the stack past about 100,000 values. */
function extent(values: readonly number[]): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return [lo, hi];
}

/** Whether a series is drawn with a marker at each point. */
function drawsMarkers(s: Series): boolean {
  return s.markers ?? (s.points.length === 1 || s.line === false);
}

function drawable(chart: Chart, [x, y]: readonly [number, number]): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (!chart.logX || x > 0) && (!chart.logY || y > 0);
}

/** A chart as a <g> of the given size, for composing. */
export function chartGroup(chart: Chart, width = chart.width ?? 640, height = chart.height ?? 400, id = "c0"): string {
  const m = { left: 70, right: 16, top: chart.title ? 34 : 14, bottom: 46 };
  const legendRows = chart.series.filter((s) => s.name).length;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const pts = chart.series.flatMap((s) => s.points.filter((p) => drawable(chart, p)));
  const extraX = (chart.circles ?? []).flatMap((c) => [c.cx - c.r, c.cx + c.r]);
  const extraY = [
    ...(chart.circles ?? []).flatMap((c) => [c.cy - c.r, c.cy + c.r]),
    ...(chart.hLines ?? []).map((h) => h.y).filter((y) => !chart.logY || y > 0),
  ];
  const tx = (x: number) => (chart.logX ? Math.log10(x) : x);
  const ty = (y: number) => (chart.logY ? Math.log10(y) : y);
  let [x0, x1] = chart.xDomain ? chart.xDomain.map(tx) : extent([...pts.map((p) => tx(p[0])), ...extraX.map(tx)]);
  let [y0, y1] = chart.yDomain ? chart.yDomain.map(ty) : extent([...pts.map((p) => ty(p[1])), ...extraY.map(ty)]);
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y1 === y0)
    [y0, y1] = chart.logY ? [y0 - 0.5, y1 + 0.5] : [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  if (!chart.yDomain) {
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  // A marker at the edge of the data would be cut in half by the frame.
  if (!chart.xDomain && chart.series.some(drawsMarkers)) {
    const pad = (x1 - x0) * 0.05;
    x0 -= pad;
    x1 += pad;
  }
  if (chart.equalAspect) {
    const scale = Math.max((x1 - x0) / plotW, (y1 - y0) / plotH);
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    [x0, x1] = [cx - (scale * plotW) / 2, cx + (scale * plotW) / 2];
    [y0, y1] = [cy - (scale * plotH) / 2, cy + (scale * plotH) / 2];
  }
  const sxRaw = (v: number) => m.left + ((v - x0) / (x1 - x0)) * plotW;
  const sx = (x: number) => sxRaw(tx(x));
  const sy = (y: number) => m.top + plotH - ((ty(y) - y0) / (y1 - y0)) * plotH;
  const syRaw = (v: number) => m.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const r = (v: number) => v.toFixed(2);
  const out: string[] = [];
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  if (chart.title)
    out.push(
      `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
    );
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  // Ticks and grid.
  const xTicks = chart.logX ? logTicks(x0, x1) : niceTicks(x0, x1).map((v) => ({ at: v, label: fmt(v) }));
  for (const { at, label } of xTicks) {
    const X = sxRaw(at);
    out.push(`<line x1="${r(X)}" y1="${m.top}" x2="${r(X)}" y2="${m.top + plotH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${r(X)}" y="${m.top + plotH + 16}" text-anchor="middle" font-size="11">${label}</text>`);
  }
  const yTicks = chart.logY ? logTicks(y0, y1) : niceTicks(y0, y1).map((v) => ({ at: v, label: fmt(v) }));
  for (const { at, label } of yTicks) {
    const Y = syRaw(at);
    out.push(`<line x1="${m.left}" y1="${r(Y)}" x2="${m.left + plotW}" y2="${r(Y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${r(Y + 4)}" text-anchor="end" font-size="11">${label}</text>`);
  }
  if (chart.xLabel)
    out.push(
      `<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle" font-size="12">${esc(chart.xLabel)}</text>`,
    );
  if (chart.yLabel)
    out.push(
      `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(chart.yLabel)}</text>`,
    );
  out.push(
    `<clipPath id="clip-${id}"><rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}"/></clipPath>`,
  );
  const clip = `clip-path="url(#clip-${id})"`;
  for (const c of chart.circles ?? []) {
    out.push(
      `<ellipse ${clip} cx="${r(sx(c.cx))}" cy="${r(sy(c.cy))}" rx="${r(Math.abs(sx(c.cx + c.r) - sx(c.cx)))}" ry="${r(Math.abs(sy(c.cy + c.r) - sy(c.cy)))}" fill="none" stroke="#888" stroke-dasharray="5 4"/>`,
    );
    if (c.label)
      out.push(
        `<text x="${r(sx(c.cx + c.r * 0.72) + 4)}" y="${r(sy(c.cy + c.r * 0.72) - 4)}" font-size="11" fill="#666">${esc(c.label)}</text>`,
      );
  }
  for (const h of chart.hLines ?? []) {
    if (chart.logY && h.y <= 0) continue;
    out.push(
      `<line ${clip} x1="${m.left}" y1="${r(sy(h.y))}" x2="${m.left + plotW}" y2="${r(sy(h.y))}" stroke="#888" stroke-dasharray="5 4"/>`,
    );
    if (h.label)
      out.push(
        `<text x="${m.left + plotW - 4}" y="${r(sy(h.y) - 4)}" text-anchor="end" font-size="11" fill="#666">${esc(h.label)}</text>`,
      );
  }
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    if (s.line !== false) {
      let d = "";
      let pen = false;
      for (const p of s.points) {
        if (!drawable(chart, p)) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${r(sx(p[0]))} ${r(sy(p[1]))}`;
        pen = true;
      }
      if (d)
        out.push(
          `<path ${clip} d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
        );
    }
    if (drawsMarkers(s)) {
      for (const p of s.points)
        if (drawable(chart, p))
          out.push(`<circle ${clip} cx="${r(sx(p[0]))}" cy="${r(sy(p[1]))}" r="3" fill="${color}"/>`);
    }
  });
  // Legend, top right (or left) inside the plot.
  if (legendRows > 0) {
    const named = chart.series
      .map((s, i) => ({ s, color: s.color ?? PALETTE[i % PALETTE.length]! }))
      .filter(({ s }) => s.name);
    const w = Math.min(plotW - 10, 24 + 7 * Math.max(...named.map(({ s }) => s.name.length)));
    const lx = chart.legendAt === "left" ? m.left + 6 : m.left + plotW - w - 6;
    out.push(
      `<rect x="${lx}" y="${m.top + 6}" width="${w}" height="${8 + 16 * named.length}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
    );
    named.forEach(({ s, color }, k) => {
      const y = m.top + 18 + 16 * k;
      out.push(
        `<line x1="${lx + 5}" y1="${y - 4}" x2="${lx + 19}" y2="${y - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
      );
      out.push(`<text x="${lx + 23}" y="${y}" font-size="11">${esc(s.name)}</text>`);
    });
  }
  return `<g font-family="sans-serif">${out.join("")}</g>`;
}

function logTicks(lo: number, hi: number): { at: number; label: string }[] {
  const label = (v: number) =>
    v >= 0.01 && v <= 1000 ? String(Number(v.toPrecision(3))) : v.toExponential(0).replace("e+", "e");
  const first = Math.ceil(lo);
  const last = Math.floor(hi);
  if (last - first >= 1) {
    const every = Math.max(1, Math.ceil((last - first + 1) / 8));
    const ticks: { at: number; label: string }[] = [];
    for (let k = first; k <= last; k += every) ticks.push({ at: k, label: label(10 ** k) });
    return ticks;
  }
  // Less than a decade: 1-2-5 steps, then every mantissa, then plain linear ticks.
  for (const mantissas of [
    [1, 2, 5],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  ]) {
    const ticks: { at: number; label: string }[] = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of mantissas) {
        const at = Math.log10(m) + k;
        if (at >= lo - 1e-12 && at <= hi + 1e-12) ticks.push({ at, label: label(m * 10 ** k) });
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  return niceTicks(10 ** lo, 10 ** hi, 4)
    .filter((v) => v > 0)
    .map((v) => ({ at: Math.log10(v), label: label(v) }));
}

export function chartSvg(chart: Chart): string {
  return composeCharts([chart], 1);
}

/** Charts side by side (`columns` per row) in one SVG document. */
export function composeCharts(charts: Chart[], columns = charts.length): string {
  const w = Math.max(...charts.map((c) => c.width ?? 640));
  const h = Math.max(...charts.map((c) => c.height ?? 400));
  const rows = Math.ceil(charts.length / columns);
  const body = charts
    .map(
      (c, i) =>
        `<g transform="translate(${(i % columns) * w} ${Math.floor(i / columns) * h})">${chartGroup(c, w, h, `c${i}`)}</g>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${w * Math.min(columns, charts.length)}" height="${h * rows}" viewBox="0 0 ${w * Math.min(columns, charts.length)} ${h * rows}">\n${body}\n</svg>\n`;
}
