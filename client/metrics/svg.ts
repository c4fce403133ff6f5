/** Tiny inline-SVG charts for the HTML report: no scripts, no CDN, readable without JavaScript. */

export interface Bar {
  label: string;
  value: number;
  /** Text shown next to or above the bar. */
  display: string;
  /** Bars with no value to show (for example a rule without TP or FP) are listed without a bar. */
  empty?: boolean;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const round = (n: number) => Math.round(n * 10) / 10;

function figure(id: string, title: string, svg: string, note = ''): string {
  return `<figure class="chart" data-chart="${id}"><figcaption>${escapeHtml(title)}</figcaption>${svg}${note ? `<p class="note">${escapeHtml(note)}</p>` : ''}</figure>`;
}

/** One bar per row, scaled to `max` (for example precision from 0 to 1). */
export function horizontalBarChart(id: string, title: string, bars: Bar[], max: number, note?: string): string {
  const labelWidth = 220;
  const barArea = 300;
  const rowHeight = 28;
  const width = labelWidth + barArea + 170;
  const height = Math.max(1, bars.length) * rowHeight + 24;
  const rows = bars.map((bar, i) => {
    const y = 8 + i * rowHeight;
    const w = bar.empty || max <= 0 ? 0 : round((Math.min(bar.value, max) / max) * barArea);
    const rect = bar.empty
      ? ''
      : `<rect class="bar" x="${labelWidth}" y="${y}" width="${w}" height="${rowHeight - 10}" data-label="${escapeHtml(bar.label)}" data-value="${bar.value}"><title>${escapeHtml(`${bar.label}: ${bar.display}`)}</title></rect>`;
    return (
      `<text class="label" x="${labelWidth - 8}" y="${y + rowHeight / 2}" text-anchor="end">${escapeHtml(bar.label)}</text>` +
      rect +
      `<text class="value" x="${labelWidth + w + 6}" y="${y + rowHeight / 2}">${escapeHtml(bar.display)}</text>`
    );
  });
  const axis = [0, 0.5, 1]
    .map(
      (f) =>
        `<line class="grid" x1="${labelWidth + f * barArea}" x2="${labelWidth + f * barArea}" y1="4" y2="${height - 16}"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${axis}${rows.join('')}</svg>`;
  return figure(id, title, svg, bars.length ? note : 'No data in this period.');
}

/** Vertical bars, for distributions and volume over time. */
export function columnChart(id: string, title: string, bars: Bar[], note?: string): string {
  const width = 680;
  const height = 260;
  const left = 40;
  const bottom = 60;
  const plotHeight = height - bottom - 20;
  const slot = (width - left - 10) / Math.max(1, bars.length);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = round(20 + plotHeight * (1 - f));
      return `<line class="grid" x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}"/><text class="axis" x="${left - 6}" y="${y + 4}" text-anchor="end">${round(max * f)}</text>`;
    })
    .join('');
  const columns = bars.map((bar, i) => {
    const h = round((bar.value / max) * plotHeight);
    const x = round(left + i * slot + slot * 0.15);
    const w = round(slot * 0.7);
    const y = round(20 + plotHeight - h);
    const labelX = round(x + w / 2);
    const label =
      bars.length > 12
        ? `<text class="label" x="${labelX}" y="${height - bottom + 14}" text-anchor="end" transform="rotate(-45 ${labelX} ${height - bottom + 14})">${escapeHtml(bar.label)}</text>`
        : `<text class="label" x="${labelX}" y="${height - bottom + 16}" text-anchor="middle">${escapeHtml(bar.label)}</text>`;
    return (
      `<rect class="bar" x="${x}" y="${y}" width="${w}" height="${h}" data-label="${escapeHtml(bar.label)}" data-value="${bar.value}"><title>${escapeHtml(`${bar.label}: ${bar.display}`)}</title></rect>` +
      (bar.value > 0
        ? `<text class="value" x="${labelX}" y="${y - 4}" text-anchor="middle">${escapeHtml(bar.display)}</text>`
        : '') +
      label
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${grid}${columns.join('')}</svg>`;
  return figure(id, title, svg, bars.some((b) => b.value > 0) ? note : 'No data in this period.');
}
