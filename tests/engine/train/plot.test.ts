/** The SVG charts: well-formed documents, undrawable points skipped, ticks where they should be. */
import { describe, expect, it } from "vitest";
import { chartSvg, composeCharts, niceTicks } from "../../../engine/plot/svg.js";

describe("svg charts", () => {
  it("draws series with a legend and breaks lines at NaN", () => {
    const svg = chartSvg({
      title: "loss <&>",
      xLabel: "step",
      series: [
        {
          name: "train",
          points: [
            [1, 2],
            [2, NaN],
            [3, 1],
            [4, 0.5],
          ],
        },
        { name: "val", points: [[4, 1]] },
      ],
    });
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("loss &lt;&amp;&gt;");
    const path = /<path [^>]*d="([^"]+)"/.exec(svg)![1]!;
    expect(path.match(/M/g)).toHaveLength(2);
    expect(svg).toContain(">val</text>");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("log axes skip values ≤ 0 and label decades", () => {
    const svg = chartSvg({
      logY: true,
      series: [
        {
          name: "g",
          points: [
            [1, 1e-6],
            [2, 0],
            [3, 1e-2],
            [4, 1],
          ],
        },
      ],
    });
    expect(svg).toContain(">1e-6</text>");
    expect(svg).toContain(">0.01</text>");
  });

  it("a log x axis places powers of ten evenly, labels them, and skips x ≤ 0", () => {
    const svg = chartSvg({
      logX: true,
      logY: true,
      series: [
        {
          name: "ms",
          points: [
            [0, 5],
            [10, 1],
            [100, 10],
            [1000, 100],
          ],
        },
      ],
    });
    const label = (text: string) => Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${text}</text>`).exec(svg)![1]);
    expect(label("100") - label("10")).toBeCloseTo(label("1000") - label("100"), 1);
    // The point at x = 0 is left out: the line starts at x = 10.
    expect(svg.match(/d="M[^"]*"/)![0].match(/[ML]/g)).toHaveLength(3);
  });

  it("puts the legend at the top left when asked, out of the way of series rising to the right", () => {
    const series = [
      {
        name: "ms",
        points: [
          [1, 1],
          [2, 2],
        ] as [number, number][],
      },
    ];
    const legendX = (svg: string) =>
      Number(/<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="24" fill="white"/.exec(svg)![1]);
    expect(legendX(chartSvg({ series, legendAt: "left" }))).toBe(76);
    expect(legendX(chartSvg({ series }))).toBeGreaterThan(300);
  });

  it("composes charts side by side with distinct clip paths", () => {
    const svg = composeCharts([
      {
        series: [
          {
            name: "a",
            points: [
              [0, 0],
              [1, 1],
            ],
          },
        ],
      },
      {
        series: [
          {
            name: "b",
            points: [
              [0, 1],
              [1, 0],
            ],
          },
        ],
        circles: [{ cx: 0, cy: 0, r: 1 }],
      },
    ]);
    expect(svg).toMatch(/width="1280"/);
    expect(svg.match(/<clipPath id="clip-c0"/g)).toHaveLength(1);
    expect(svg.match(/<clipPath id="clip-c1"/g)).toHaveLength(1);
    expect(svg).toContain("<ellipse");
  });

  it("picks 1-2-5 ticks", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6]);
  });

  it("draws 200,000 points (Math.min(...points) overflowed the stack)", () => {
    const points = Array.from({ length: 200_000 }, (_, i): [number, number] => [i, Math.sin(i)]);
    expect(chartSvg({ title: "long", series: [{ name: "norm", points }] })).toContain("<svg");
  });

  it("a range one unit in the last place wide ends (a step too small to move a value looped until memory ran out)", () => {
    expect(niceTicks(2.0794415416798357, 2.079441541679836)).toEqual([2.0794415416798357, 2.079441541679836]);
    expect(niceTicks(1e20, 1e20 + 2 ** 17)).toEqual([1e20, 1e20 + 2 ** 17]);
  });
});

/** Each marker's centre and the plot's frame, read from an SVG of one chart. */
function markersAndFrame(svg: string) {
  const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#333"\/>/.exec(
    svg,
  )!;
  const [x, y, w, h] = frame.slice(1).map(Number) as [number, number, number, number];
  const markers = [...svg.matchAll(/<circle [^>]*cx="([-\d.]+)" cy="([-\d.]+)" r="([\d.]+)"/g)].map((m) => ({
    cx: Number(m[1]),
    cy: Number(m[2]),
    r: Number(m[3]),
  }));
  return { frame: { left: x, top: y, right: x + w, bottom: y + h }, markers };
}

describe("markers", () => {
  it.each([
    [
      "a scatter series",
      {
        series: [
          {
            name: "",
            line: false,
            points: [
              [-1.5, 0.2],
              [0.3, -0.9],
              [2.5, 0],
            ] as const,
          },
        ],
      },
    ],
    [
      "the complex plane with the unit circle (an eigenvalue plot)",
      {
        equalAspect: true,
        circles: [{ cx: 0, cy: 0, r: 1 }],
        series: [
          {
            name: "W",
            line: false,
            points: [
              [3.2, 0],
              [0.2, 0.95],
              [0.2, -0.95],
              [-0.5, 0],
            ] as const,
          },
        ],
      },
    ],
    [
      "a line with a marker at each point",
      {
        series: [
          {
            name: "",
            markers: true,
            points: [
              [0, 1],
              [5, 3],
              [10, 2],
            ] as const,
          },
        ],
      },
    ],
  ])("lie wholly inside the frame, the outermost too: %s", (_, chart) => {
    const { frame, markers } = markersAndFrame(chartSvg(chart));
    expect(markers.length).toBeGreaterThan(2);
    for (const { cx, cy, r } of markers) {
      expect(cx - r).toBeGreaterThanOrEqual(frame.left);
      expect(cx + r).toBeLessThanOrEqual(frame.right);
      expect(cy - r).toBeGreaterThanOrEqual(frame.top);
      expect(cy + r).toBeLessThanOrEqual(frame.bottom);
    }
  });
});
