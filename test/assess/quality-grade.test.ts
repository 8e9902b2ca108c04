import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_RULES, gradeQuality } from '../../pipeline/assess/quality-grade.js';
import { estimateRegions } from '../../pipeline/assess/estimate-regions.js';
import type { LabelledPoint } from '../../pipeline/assess/sample-files.js';
import { regionStatistics } from '../../pipeline/statistics/region-statistics.js';

const thick = { validShare: 1, cloudShare: 0, sampleSize: 300 };

describe('honest grades', () => {
  it('the best grade needs enough points of the class and at least one observed error', () => {
    expect(gradeQuality({ ...thick, cv: 0.03, evidence: { points: 120, errors: 6 } })).toMatchObject({ grade: 'A', obsStatus: 'E' });
    const noErrors = gradeQuality({ ...thick, cv: 0.03, evidence: { points: 120, errors: 0 } });
    expect(noErrors).toMatchObject({ grade: 'B', obsStatus: 'E' });
    expect(noErrors.reasons.join()).toMatch(/no error observed for the class/);
    const few = gradeQuality({ ...thick, cv: 0.03, evidence: { points: 12, errors: 2 } });
    expect(few.grade).toBe('B');
    expect(few.reasons.join()).toMatch(/12 sample points of the class \(best grade needs 30\)/);
    expect(gradeQuality({ ...thick, cv: 0.03, evidence: { points: 12, errors: 2 } }, { ...DEFAULT_QUALITY_RULES, bestGradeMinPoints: 10 }).grade).toBe('A');
    // A worse CV band is not raised by evidence rules, only the best one capped.
    expect(gradeQuality({ ...thick, cv: 0.2, evidence: { points: 5, errors: 0 } }).grade).toBe('C');
  });

  it('a zero estimate has no CV and is not graded A', () => {
    const q = gradeQuality({ ...thick, cv: null, zeroEstimate: true });
    expect(q).toMatchObject({ grade: 'B', obsStatus: 'U', suppressed: false });
    expect(q.reasons).toContain('estimate 0: CV undefined');
  });

  it('in the table: a class whose 40 points are all right is graded B, not A; a class absent from a region is no "CV 0, grade A"', () => {
    const points: LabelledPoint[] = [
      ...Array.from({ length: 40 }, (_, k) => ({ id: k, stratum: 1, reference: 1, col: 0, row: 0 })),
      ...Array.from({ length: 100 }, (_, k) => ({ id: 100 + k, stratum: 2, reference: k < 90 ? 2 : 3, col: 0, row: 0 })),
      ...Array.from({ length: 100 }, (_, k) => ({ id: 200 + k, stratum: 3, reference: k < 92 ? 3 : 2, col: 0, row: 0 })),
    ];
    const mapped = (a: number, b: number, c: number) => new Map([[1, a], [2, b], [3, c]]);
    const regions = [
      { id: 'R', areaHa: 2000, classifiedHa: 2000, cloudHa: 0, inSceneHa: 2000, mappedHa: mapped(60, 1000, 940) },
      { id: 'dry', areaHa: 1000, classifiedHa: 1000, cloudHa: 0, inSceneHa: 1000, mappedHa: mapped(0, 600, 400) },
    ];
    const estimates = estimateRegions({ classes: [1, 2, 3], regions: regions.map((r) => ({ id: r.id, mappedArea: [1, 2, 3].map((c) => r.mappedHa.get(c)!) })), points });
    const rows = regionStatistics({ classes: [{ id: 1, name: 'water' }, { id: 2, name: 'forest' }, { id: 3, name: 'grass' }], regions, estimates, buildings: null, quality: DEFAULT_QUALITY_RULES, z: 1.96 });
    const water = rows.find((r) => r.region === 'R' && r.class === 1)!;
    expect(water.se).toBeGreaterThan(0);
    expect(water.grade).toBe('B');
    expect(water.flags).toMatch(/no error observed/);
    const dryWater = rows.find((r) => r.region === 'dry' && r.class === 1)!;
    expect(dryWater).toMatchObject({ estimate: 0, cv: null, grade: 'B', obs_status: 'U' });
    expect(rows.find((r) => r.region === 'R' && r.class === 2)!.grade).toBe('A');
  });
});
