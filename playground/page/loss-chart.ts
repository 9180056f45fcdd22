/** The live loss curve: an SVG polyline over the steps so far, its axis from 0 to the largest loss. */
const SVG = "http://www.w3.org/2000/svg";

export class LossChart {
  private readonly losses: number[] = [];
  private readonly line: SVGPolylineElement;
  private readonly label: SVGTextElement;

  constructor(private readonly svg: SVGSVGElement) {
    svg.setAttribute("viewBox", "0 0 400 160");
    svg.setAttribute("preserveAspectRatio", "none");
    this.line = svg.appendChild(document.createElementNS(SVG, "polyline"));
    this.line.setAttribute("class", "loss-line");
    this.label = svg.appendChild(document.createElementNS(SVG, "text"));
    this.label.setAttribute("x", "396");
    this.label.setAttribute("y", "14");
    this.label.setAttribute("text-anchor", "end");
  }

  clear(): void {
    this.losses.length = 0;
    this.draw();
  }

  add(loss: number): void {
    this.losses.push(loss);
    this.draw();
  }

  private draw(): void {
    const n = this.losses.length;
    const top = Math.max(...this.losses.filter(Number.isFinite), 1e-9);
    const points = this.losses.map(
      (l, i) => `${n === 1 ? 0 : (400 * i) / (n - 1)},${(160 - (150 * Math.min(l, top)) / top).toFixed(2)}`,
    );
    this.line.setAttribute("points", points.join(" "));
    this.label.textContent = n === 0 ? "" : `step ${n}: loss ${this.losses[n - 1]!.toFixed(4)}`;
    this.svg.setAttribute(
      "aria-label",
      n === 0 ? "loss curve (no steps yet)" : `loss curve: ${n} steps, last ${this.losses[n - 1]!.toFixed(4)}`,
    );
  }
}
