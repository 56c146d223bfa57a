// The chart of `npm run bench -- scale`: each query's first and best time on a log scale, with
// its goal from issue 21 marked, so a reader sees at a glance which goals hold and by how much.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** queries: [{ name, first, best, goal }] in ms; returns an SVG document. */
export function scaleChart(queries, title) {
  const left = 250;
  const plotW = 520;
  const rowH = 34;
  const top = 44;
  const width = left + plotW + 30;
  const height = top + queries.length * rowH + 46;
  const lo = 10;
  const hi = 30_000;
  const x = (ms) => left + (Math.log10(Math.min(Math.max(ms, lo), hi) / lo) / Math.log10(hi / lo)) * plotW;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">\n`;
  svg += `<rect width="100%" height="100%" fill="white"/>\n`;
  svg += `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>\n`;
  for (const t of [10, 30, 100, 300, 1000, 3000, 10000, 30000]) {
    svg += `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top - 6}" y2="${top + queries.length * rowH}" stroke="#eee"/>`;
    svg += `<text x="${x(t).toFixed(1)}" y="${top + queries.length * rowH + 14}" text-anchor="middle" fill="#555">${t >= 1000 ? `${t / 1000} s` : `${t} ms`}</text>\n`;
  }
  queries.forEach((q, i) => {
    const y = top + i * rowH;
    svg += `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(q.name)}</text>\n`;
    svg += `<rect x="${left}" y="${y + 4}" width="${(x(q.first) - left).toFixed(1)}" height="10" fill="#b0c4de"/>`;
    const met = q.best < q.goal;
    svg += `<rect x="${left}" y="${y + 15}" width="${(x(q.best) - left).toFixed(1)}" height="10" fill="${met ? "#2e7d32" : "#c62828"}"/>`;
    svg += `<line x1="${x(q.goal).toFixed(1)}" x2="${x(q.goal).toFixed(1)}" y1="${y + 1}" y2="${y + 29}" stroke="#000" stroke-width="2"/>\n`;
  });
  const ly = top + queries.length * rowH + 32;
  svg += `<rect x="${left}" y="${ly - 9}" width="10" height="10" fill="#b0c4de"/><text x="${left + 14}" y="${ly}">first (cold process)</text>`;
  svg += `<rect x="${left + 140}" y="${ly - 9}" width="10" height="10" fill="#2e7d32"/><text x="${left + 154}" y="${ly}">best of 3, goal met</text>`;
  svg += `<rect x="${left + 290}" y="${ly - 9}" width="10" height="10" fill="#c62828"/><text x="${left + 304}" y="${ly}">not met</text>`;
  svg += `<line x1="${left + 370}" x2="${left + 370}" y1="${ly - 10}" y2="${ly + 2}" stroke="#000" stroke-width="2"/><text x="${left + 376}" y="${ly}">goal</text>\n`;
  return `${svg}</svg>\n`;
}
