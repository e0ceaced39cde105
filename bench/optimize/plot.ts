/**
 * Draws best-so-far curves (median and quartile band over seeds, regret on a log scale) as an
 * SVG, one panel per function, and turns it into a PNG with a headless Chromium (Debian's
 * `chromium`), the one dependency-free path to a raster image on this machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Curve {
  label: string;
  color: string;
  median: number[];
  q1: number[];
  q3: number[];
}

export interface Panel {
  title: string;
  grid: number[];
  curves: Curve[];
}

const W = 460;
const H = 320;
const M = { left: 60, right: 15, top: 30, bottom: 45 };

function panelSvg(panel: Panel, dx: number): string {
  const values = panel.curves
    .flatMap((c) => [...c.q1, ...c.q3])
    .filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const tMax = panel.grid[panel.grid.length - 1]!;
  const px = (t: number) => dx + M.left + (t / tMax) * (W - M.left - M.right);
  const py = (v: number) => {
    const l = Math.log10(Math.max(v, 10 ** lo));
    return M.top + ((hi - l) / (hi - lo || 1)) * (H - M.top - M.bottom);
  };
  const parts: string[] = [];
  parts.push(
    `<text x="${dx + W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${panel.title}</text>`,
  );
  for (let e = lo; e <= hi; e++) {
    const y = py(10 ** e);
    parts.push(`<line x1="${px(0)}" x2="${px(tMax)}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${px(0) - 6}" y="${y + 4}" text-anchor="end" font-size="11">1e${e}</text>`,
    );
  }
  for (let k = 0; k <= 5; k++) {
    const t = (tMax * k) / 5;
    parts.push(
      `<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${t.toFixed(0)}</text>`,
    );
  }
  parts.push(
    `<text x="${dx + W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">wall time (s)</text>`,
  );
  parts.push(
    `<text x="${dx + 14}" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${dx + 14} ${H / 2})">regret (best so far − minimum)</text>`,
  );
  panel.curves.forEach((c, i) => {
    const finite = panel.grid
      .map((t, j) => ({ t, j }))
      .filter(({ j }) => Number.isFinite(c.q3[j]!));
    if (finite.length === 0) return;
    const upper = finite.map(({ t, j }) => `${px(t)},${py(c.q3[j]!)}`);
    const lower = finite.map(({ t, j }) => `${px(t)},${py(c.q1[j]!)}`).reverse();
    parts.push(
      `<polygon points="${[...upper, ...lower].join(' ')}" fill="${c.color}" fill-opacity="0.18" stroke="none"/>`,
    );
    parts.push(
      `<polyline points="${finite.map(({ t, j }) => `${px(t)},${py(c.median[j]!)}`).join(' ')}" fill="none" stroke="${c.color}" stroke-width="2"/>`,
    );
    parts.push(
      `<rect x="${px(tMax) - 110}" y="${M.top + 6 + i * 16}" width="12" height="3" fill="${c.color}"/>`,
    );
    parts.push(
      `<text x="${px(tMax) - 92}" y="${M.top + 10 + i * 16}" font-size="11">${c.label}</text>`,
    );
  });
  return parts.join('\n');
}

export function progressSvg(panels: Panel[], caption: string): string {
  const width = W * panels.length;
  const height = H + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="${width}" height="${height}" fill="white"/>
${panels.map((p, i) => panelSvg(p, i * W)).join('\n')}
<text x="${width / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="#444">${caption}</text>
</svg>`;
}

/** Writes the SVG next to `png` and renders it to `png` with headless Chromium. */
export function writePng(svg: string, png: string, width: number, height: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'rushnet-plot-'));
  try {
    const file = join(dir, 'plot.svg');
    writeFileSync(file, svg);
    execFileSync(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        `file://${file}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
