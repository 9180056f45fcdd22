/**
 * Attention matrices as heatmaps in one SVG document: a panel per translation, the source's
 * tokens across, the output's steps down, each cell shaded from white (weight 0) to dark blue
 * (weight 1) and carrying its weight (`data-weight`, and a tooltip), so that a reader, or a
 * test, finds the numbers as well as the picture.
 */
import { esc } from "./svg.js";

export interface HeatmapPanel {
  title: string;
  /** The labels across: one a column. */
  columns: readonly string[];
  /** The labels down: one a row. */
  rows: readonly string[];
  /** weights[row][column], in [0, 1]. */
  weights: readonly (readonly number[] | Float64Array)[];
}

const CELL = 28;
const LABEL_WIDTH = 110;
const LABEL_HEIGHT = 90;
const TITLE_HEIGHT = 24;
const GAP = 24;

/** White at 0 to #08306b at 1. */
function shade(weight: number): string {
  const w = Math.min(1, Math.max(0, weight));
  const channel = (dark: number) => Math.round(255 + (dark - 255) * w);
  return `rgb(${channel(8)},${channel(48)},${channel(107)})`;
}

function panelGroup(panel: HeatmapPanel, index: number, y: number): string {
  const left = LABEL_WIDTH;
  const top = TITLE_HEIGHT + LABEL_HEIGHT;
  const parts = [`<text class="title" x="4" y="16" font-size="13" font-weight="bold">${esc(panel.title)}</text>`];
  panel.columns.forEach((label, j) => {
    const x = left + j * CELL + CELL / 2;
    parts.push(
      `<text class="column" x="${x}" y="${top - 6}" font-size="12" transform="rotate(-60 ${x} ${top - 6})">${esc(label)}</text>`,
    );
  });
  panel.rows.forEach((label, i) => {
    parts.push(
      `<text class="row" x="${left - 6}" y="${top + i * CELL + CELL / 2 + 4}" font-size="12" text-anchor="end">${esc(label)}</text>`,
    );
    panel.columns.forEach((column, j) => {
      const weight = panel.weights[i]![j]!;
      parts.push(
        `<rect class="cell" x="${left + j * CELL}" y="${top + i * CELL}" width="${CELL}" height="${CELL}" fill="${shade(weight)}" stroke="#ddd" data-row="${i}" data-column="${j}" data-weight="${weight.toFixed(4)}"><title>${esc(label)} ← ${esc(column)}: ${weight.toFixed(3)}</title></rect>`,
      );
    });
  });
  return `<g class="panel" id="panel${index}" transform="translate(0 ${y})">\n${parts.join("\n")}\n</g>`;
}

function panelHeight(panel: HeatmapPanel): number {
  return TITLE_HEIGHT + LABEL_HEIGHT + panel.rows.length * CELL + GAP;
}

/** The panels one under the other, with a line of text above them (`caption`). */
export function heatmapSvg(panels: readonly HeatmapPanel[], caption: string): string {
  let y = TITLE_HEIGHT;
  const groups = panels.map((panel, i) => {
    const group = panelGroup(panel, i, y);
    y += panelHeight(panel);
    return group;
  });
  const titles = Math.max(...panels.map((p) => p.title.length), caption.length) * 7.5 + 8;
  const width = Math.max(
    480,
    titles,
    LABEL_WIDTH + Math.max(1, ...panels.map((p) => p.columns.length)) * CELL + LABEL_HEIGHT,
  );
  const height = Math.max(y, TITLE_HEIGHT * 2);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text class="caption" x="4" y="16" font-size="12">${esc(caption)}</text>
${groups.join("\n")}
</svg>
`;
}
