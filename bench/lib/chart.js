// Hand-written SVG: throughput vs K per backend, one panel per (scenario, durability),
// log-scale y shared by every panel so panels compare at a glance. No dependencies.

const STYLE = {
  runstate: { color: '#d62728', width: 3.5 },
  'runstate-mix': { color: '#ff9896', width: 2, dash: '6 3' },
  'runstate-synclock': { color: '#ff7f0e', width: 2, dash: '2 3' },
  'raw-flock': { color: '#1f77b4', width: 2 },
  'raw-flock-async': { color: '#6baed6', width: 2, dash: '8 3' },
  'raw-flock-postsync': { color: '#17becf', width: 2, dash: '6 3' },
  sqlite: { color: '#2ca02c', width: 2 },
  'proper-lockfile': { color: '#9467bd', width: 2 },
  'naive-json': { color: '#8c8c8c', width: 2, dash: '2 4' },
  'runstate-cli': { color: '#8c564b', width: 2 },
};
const LABEL = {
  'naive-json': 'naive-json (loses updates)',
  'raw-flock-postsync': 'raw-flock, fdatasync after unlock',
  'runstate-mix': 'runstate pause/resume mix',
  'runstate-synclock': 'runstate, syncLock: true',
  'raw-flock-async': 'raw-flock, lock waited on a pool thread',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : `${v}`);

// SVG text of the chart for the rows of the hot and spread scenarios
export function chart(rows, { title, subtitle } = {}) {
  rows = rows.filter((r) => (r.scenario === 'hot' || r.scenario === 'spread') && r.opsPerSec > 0);
  const panels = [];
  for (const scenario of ['hot', 'spread']) {
    for (const durability of ['none', 'fsync']) {
      const rs = rows.filter((r) => r.scenario === scenario && r.durability === durability);
      if (rs.length) panels.push({ scenario, durability, rows: rs });
    }
  }
  const backends = [...new Set(rows.map((r) => r.backend))];
  const ks = [...new Set(rows.map((r) => r.procs))].sort((a, b) => a - b);
  const lo = Math.floor(Math.log10(Math.min(...rows.map((r) => r.opsPerSec))));
  const hi = Math.ceil(Math.log10(Math.max(...rows.map((r) => r.opsPerSec))));
  const PW = 440, PH = 300, M = { l: 70, r: 20, t: 40, b: 50 };
  const cols = Math.min(2, panels.length), prow = Math.ceil(panels.length / 2);
  const legendH = 24 * Math.ceil(backends.length / 3) + 16;
  const W = cols * (PW + M.l + M.r) + 20, top = 70 + legendH;
  const H = top + prow * (PH + M.t + M.b) + 10;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="20" y="28" font-size="18" font-weight="bold">${esc(title || 'Throughput vs worker processes')}</text>`);
  if (subtitle) out.push(`<text x="20" y="50" fill="#555">${esc(subtitle)}</text>`);
  // Legend, three per line
  backends.forEach((b, i) => {
    const s = STYLE[b] || { color: '#000', width: 2 };
    const x = 20 + (i % 3) * 300, y = 70 + Math.floor(i / 3) * 24;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 34}" y2="${y}" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<circle cx="${x + 17}" cy="${y}" r="3.5" fill="${s.color}"/>`);
    out.push(`<text x="${x + 42}" y="${y + 4}">${esc(LABEL[b] || b)}</text>`);
  });
  panels.forEach((p, i) => {
    const ox = 10 + (i % 2) * (PW + M.l + M.r) + M.l, oy = top + Math.floor(i / 2) * (PH + M.t + M.b) + M.t;
    const X = (k) => ox + (ks.length === 1 ? PW / 2 : (ks.indexOf(k) / (ks.length - 1)) * PW);
    const Y = (v) => oy + PH - ((Math.log10(v) - lo) / (hi - lo)) * PH;
    out.push(`<text x="${ox + PW / 2}" y="${oy - 14}" text-anchor="middle" font-size="15" font-weight="bold">${esc(p.scenario)} — durability ${esc(p.durability)}</text>`);
    out.push(`<rect x="${ox}" y="${oy}" width="${PW}" height="${PH}" fill="none" stroke="#999"/>`);
    for (let d = lo; d <= hi; d++) {
      const y = Y(10 ** d);
      out.push(`<line x1="${ox}" y1="${y}" x2="${ox + PW}" y2="${y}" stroke="#ccc"/>`);
      out.push(`<text x="${ox - 8}" y="${y + 4}" text-anchor="end">${fmt(10 ** d)}</text>`);
      if (d < hi) for (const m of [2, 5]) {
        const ym = Y(m * 10 ** d);
        out.push(`<line x1="${ox}" y1="${ym}" x2="${ox + PW}" y2="${ym}" stroke="#eee"/>`);
      }
    }
    for (const k of ks) {
      out.push(`<line x1="${X(k)}" y1="${oy + PH}" x2="${X(k)}" y2="${oy + PH + 5}" stroke="#999"/>`);
      out.push(`<text x="${X(k)}" y="${oy + PH + 20}" text-anchor="middle">${k}</text>`);
    }
    out.push(`<text x="${ox + PW / 2}" y="${oy + PH + 40}" text-anchor="middle" fill="#333">worker processes (K)</text>`);
    out.push(`<text transform="translate(${ox - 52} ${oy + PH / 2}) rotate(-90)" text-anchor="middle" fill="#333">ops/s (log scale)</text>`);
    // runstate last, so it is drawn on top
    const order = backends.filter((b) => b !== 'runstate').concat(backends.includes('runstate') ? ['runstate'] : []);
    for (const b of order) {
      const pts = p.rows.filter((r) => r.backend === b).sort((a, c) => a.procs - c.procs);
      if (!pts.length) continue;
      const s = STYLE[b] || { color: '#000', width: 2 };
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${pts.map((r) => `${X(r.procs).toFixed(1)},${Y(r.opsPerSec).toFixed(1)}`).join(' ')}"/>`);
      for (const r of pts) {
        out.push(`<circle cx="${X(r.procs).toFixed(1)}" cy="${Y(r.opsPerSec).toFixed(1)}" r="3.5" fill="${s.color}"${r.valid ? '' : ' stroke="#000" stroke-width="2"'}><title>${esc(`${b} K=${r.procs}: ${Math.round(r.opsPerSec)} ops/s`)}</title></circle>`);
      }
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
