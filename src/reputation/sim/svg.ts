/**
 * Minimal SVG charts for the simulation report (line charts with linear or log x, grouped bars), written by hand
 * so the report has no plotting dependency and is byte-for-byte reproducible.
 */

export interface Series {
  name: string;
  color: string;
  dash?: string;
  points: Array<[number, number]>;
  /** Draw as a step function (for CDFs). */
  step?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Vertical reference lines. */
  vLines?: Array<{ x: number; label: string; color?: string; row?: number }>;
  /** Horizontal reference lines. */
  hLines?: Array<{ y: number; label: string; color?: string }>;
  width?: number;
  height?: number;
  /** Format of the y tick labels. */
  yFormat?: (y: number) => string;
  legend?: boolean;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const f = (x: number) => (Math.round(x * 10) / 10).toString();

function niceStep(range: number, target: number): number {
  const raw = range / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function linearTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) return [min];
  const step = niceStep(max - min, target);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Math.round(t / step) * step);
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const t = Math.pow(10, e);
    if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9)) ticks.push(t);
  }
  return ticks;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${v / 1e6}M`;
  if (a >= 1e4) return `${v / 1e3}k`;
  if (a >= 1) return `${Math.round(v * 100) / 100}`;
  return `${Number(v.toPrecision(3))}`;
}

/** A line chart as an SVG <g> of the given size, origin at its top-left. */
export function lineChart(o: LineChartOptions): { width: number; height: number; body: string } {
  const width = o.width ?? 520;
  const height = o.height ?? 340;
  const m = { left: 62, right: 16, top: 34, bottom: o.legend === false ? 46 : 46 + 16 * Math.ceil(o.series.length / 2) };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.xLog || x > 0));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let xMin = o.xMin ?? (xs.length ? Math.min(...xs) : 0);
  let xMax = o.xMax ?? (xs.length ? Math.max(...xs) : 1);
  if (o.xLog) {
    xMin = Math.pow(10, Math.floor(Math.log10(Math.max(xMin, 1e-12))));
    xMax = Math.pow(10, Math.ceil(Math.log10(Math.max(xMax, xMin * 10))));
  }
  if (!(xMax > xMin)) xMax = xMin + 1;
  const yMin = o.yMin ?? (ys.length ? Math.min(0, ...ys) : 0);
  let yMax = o.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (!(yMax > yMin)) yMax = yMin + 1;
  const sx = (x: number) => m.left + (o.xLog ? (Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) : (x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => m.top + ph - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * ph;
  const yFmt = o.yFormat ?? formatTick;
  const out: string[] = [];
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${f(width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(o.title)}</text>`);
  for (const t of linearTicks(yMin, yMax)) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" font-size="11" ${FONT}>${escapeXml(yFmt(t))}</text>`);
  }
  for (const t of o.xLog ? logTicks(xMin, xMax) : linearTicks(xMin, xMax, 6)) {
    out.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top}" y2="${m.top + ph}" stroke="#eeeeee"/>`);
    out.push(`<text x="${f(sx(t))}" y="${m.top + ph + 15}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(formatTick(t))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444444"/>`);
  for (const h of o.hLines ?? []) {
    if (h.y < yMin || h.y > yMax) continue;
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(h.y))}" y2="${f(sy(h.y))}" stroke="${h.color ?? '#555555'}" stroke-dasharray="2,3"/>`);
    out.push(`<text x="${m.left + pw - 4}" y="${f(sy(h.y) - 4)}" text-anchor="end" font-size="10" fill="${h.color ?? '#555555'}" ${FONT}>${escapeXml(h.label)}</text>`);
  }
  for (const v of o.vLines ?? []) {
    if (v.x < xMin || v.x > xMax) continue;
    out.push(`<line x1="${f(sx(v.x))}" x2="${f(sx(v.x))}" y1="${m.top}" y2="${m.top + ph}" stroke="${v.color ?? '#555555'}" stroke-dasharray="2,3"/>`);
    out.push(`<text x="${f(sx(v.x) + 4)}" y="${m.top + 12 + 12 * (v.row ?? 0)}" font-size="10" fill="${v.color ?? '#555555'}" ${FONT}>${escapeXml(v.label)}</text>`);
  }
  for (const s of o.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && x >= xMin && x <= xMax);
    if (pts.length === 0) continue;
    let d = '';
    pts.forEach(([x, y], i) => {
      if (i === 0) d += `M${f(sx(x))},${f(sy(y))}`;
      else if (s.step) d += `H${f(sx(x))}V${f(sy(y))}`;
      else d += `L${f(sx(x))},${f(sy(y))}`;
    });
    if (s.step) d += `H${f(m.left + pw)}`;
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  }
  out.push(`<text x="${f(m.left + pw / 2)}" y="${m.top + ph + 32}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(o.xLabel)}</text>`);
  out.push(
    `<text transform="translate(14,${f(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(o.yLabel)}</text>`,
  );
  if (o.legend !== false) {
    o.series.forEach((s, i) => {
      const lx = m.left + (i % 2) * (pw / 2);
      const ly = m.top + ph + 46 + Math.floor(i / 2) * 16;
      out.push(`<line x1="${f(lx)}" x2="${f(lx + 22)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
      out.push(`<text x="${f(lx + 28)}" y="${ly}" font-size="11" ${FONT}>${escapeXml(s.name)}</text>`);
    });
  }
  return { width, height, body: out.join('\n') };
}

export interface BarGroup {
  label: string;
  values: Array<{ name: string; value: number; color: string }>;
}

/** Grouped bars; the y axis crosses zero so negative values hang below it. */
export function barChart(o: { title: string; yLabel: string; groups: BarGroup[]; width?: number; height?: number; yFormat?: (y: number) => string; symlog?: boolean }) {
  const width = o.width ?? 720;
  const height = o.height ?? 360;
  const names = [...new Set(o.groups.flatMap((g) => g.values.map((v) => v.name)))];
  const m = { left: 70, right: 16, top: 34, bottom: 62 + 16 * Math.ceil(names.length / 3) };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  // A signed log scale keeps −1500 and −10 both readable.
  const tr = (v: number) => (o.symlog ? Math.sign(v) * Math.log10(1 + Math.abs(v)) : v);
  const vals = o.groups.flatMap((g) => g.values.map((v) => tr(v.value))).filter(Number.isFinite);
  const lo = Math.min(0, ...vals);
  const hi = Math.max(0, ...vals);
  const yMin = lo - (hi - lo) * 0.05;
  const yMax = hi + (hi - lo) * 0.05 || 1;
  const sy = (y: number) => m.top + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const out: string[] = [];
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${f(width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(o.title)}</text>`);
  const ticks = o.symlog ? symlogTicks(yMin, yMax) : linearTicks(yMin, yMax).map((t) => [t, t] as [number, number]);
  for (const [t, label] of ticks) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" font-size="11" ${FONT}>${escapeXml((o.yFormat ?? formatTick)(label))}</text>`);
  }
  const gw = pw / Math.max(1, o.groups.length);
  o.groups.forEach((g, gi) => {
    const bw = (gw * 0.8) / Math.max(1, g.values.length);
    g.values.forEach((v, vi) => {
      const t = tr(v.value);
      if (!Number.isFinite(t)) return;
      const x = m.left + gi * gw + gw * 0.1 + vi * bw;
      const y0 = sy(0);
      const y1 = sy(t);
      out.push(`<rect x="${f(x)}" y="${f(Math.min(y0, y1))}" width="${f(bw * 0.92)}" height="${f(Math.max(0.5, Math.abs(y1 - y0)))}" fill="${v.color}"/>`);
    });
    out.push(`<text x="${f(m.left + gi * gw + gw / 2)}" y="${m.top + ph + 16}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(g.label)}</text>`);
  });
  out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(0))}" y2="${f(sy(0))}" stroke="#222222"/>`);
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444444"/>`);
  out.push(`<text transform="translate(14,${f(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(o.yLabel)}</text>`);
  const colors = new Map(o.groups.flatMap((g) => g.values.map((v) => [v.name, v.color] as const)));
  names.forEach((n, i) => {
    const lx = m.left + (i % 3) * (pw / 3);
    const ly = m.top + ph + 40 + Math.floor(i / 3) * 16;
    out.push(`<rect x="${f(lx)}" y="${ly - 10}" width="14" height="10" fill="${colors.get(n)}"/>`);
    out.push(`<text x="${f(lx + 20)}" y="${ly}" font-size="11" ${FONT}>${escapeXml(n)}</text>`);
  });
  return { width, height, body: out.join('\n') };
}

function symlogTicks(yMin: number, yMax: number): Array<[number, number]> {
  const ticks: Array<[number, number]> = [[0, 0]];
  for (let e = 0; e <= 7; e++) {
    const v = Math.pow(10, e);
    const t = Math.log10(1 + v);
    if (t <= yMax) ticks.push([t, v]);
    if (-t >= yMin) ticks.push([-t, -v]);
  }
  return ticks;
}

/** Lays charts side by side (wrapping after `perRow`) in one SVG document. */
export function svgDocument(charts: Array<{ width: number; height: number; body: string }>, perRow = charts.length): string {
  const rows: Array<typeof charts> = [];
  for (let i = 0; i < charts.length; i += perRow) rows.push(charts.slice(i, i + perRow));
  const width = Math.max(...rows.map((r) => r.reduce((s, c) => s + c.width, 0)));
  const height = rows.reduce((s, r) => s + Math.max(...r.map((c) => c.height)), 0);
  const parts: string[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const c of row) {
      parts.push(`<g transform="translate(${x},${y})">\n${c.body}\n</g>`);
      x += c.width;
    }
    y += Math.max(...row.map((c) => c.height));
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n${parts.join('\n')}\n</svg>\n`;
}
