/**
 * Bench case "coverage": the interval-coverage harness (interval-coverage.ts) at R replicates (BENCH_COVERAGE_R,
 * default 1000): per design, class and domain the coverage of the 95 % intervals, mean relative bias and mean
 * relative half-width, for the adjusted intervals beside Olofsson's Wald intervals; then the building-count design.
 */
import { COUNT_DESIGNS, COVERAGE_DESIGNS, countCoverage, intervalCoverage } from './interval-coverage.js';

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

export function measureCoverage(replicates: number, log: (line: string) => void): void {
  log(`coverage of 95 % intervals over ${replicates} seeded samples per design (adjusted | wald)`);
  log(['design', 'domain', 'class', 'coverage', 'bias', 'half-width', 'wald coverage', 'wald half-width', 'wald collapsed'].join('\t'));
  for (const design of COVERAGE_DESIGNS) {
    log(`# ${design.name}: ${design.about}`);
    const rows = intervalCoverage(design, { replicates, methods: ['adjusted', 'wald'] });
    for (const a of rows.filter((r) => r.method === 'adjusted')) {
      const w = rows.find((r) => r.method === 'wald' && r.domain === a.domain && r.class === a.class)!;
      log([design.name, a.domain, a.class, a.coverage.toFixed(3), pct(a.relativeBias), pct(a.relativeHalfWidth), w.coverage.toFixed(3), pct(w.relativeHalfWidth), String(w.collapsed)].join('\t'));
    }
  }
  for (const design of COUNT_DESIGNS) {
    log(`# building counts: precision ${design.precision}, recall ${design.recall}, ${design.heldOutObjects} held-out buildings`);
    for (const r of countCoverage(design, { replicates })) log(['buildings', `${r.buildings} buildings`, 'count', r.coverage.toFixed(3), pct(r.relativeBias), pct(r.relativeHalfWidth)].join('\t'));
  }
}
