/** The graded regional table and its SDMX-CSV form. */
import { describe, expect, it } from 'vitest';
import { estimateRegions } from '../../pipeline/assess/estimate-regions.js';
import { DEFAULT_QUALITY_RULES } from '../../pipeline/assess/quality-grade.js';
import type { LabelledPoint } from '../../pipeline/assess/sample-files.js';
import { sdmxTimePeriod, statisticsToSdmxCsv, type SdmxMapping } from '../../pipeline/export/statistics-sdmx.js';
import { regionStatistics, type RegionCoverage } from '../../pipeline/statistics/region-statistics.js';

const classes = [
  { id: 1, name: 'forest' },
  { id: 2, name: 'built-up' },
];
const region = (id: string, forest: number, builtUp: number, extra: Partial<RegionCoverage> = {}): RegionCoverage => ({
  id,
  areaHa: forest + builtUp,
  classifiedHa: forest + builtUp,
  cloudHa: 0,
  inSceneHa: forest + builtUp,
  mappedHa: new Map([[1, forest], [2, builtUp]]),
  ...extra,
});
// 100 points per map class: forest 95 % right, built-up 80 % right.
const sample: LabelledPoint[] = [
  ...Array.from({ length: 100 }, (_, k) => ({ id: k, stratum: 1, reference: k < 95 ? 1 : 2, col: 0, row: 0 })),
  ...Array.from({ length: 100 }, (_, k) => ({ id: 100 + k, stratum: 2, reference: k < 80 ? 2 : 1, col: 0, row: 0 })),
];
const regions = [
  region('A', 9000, 1000),
  region('B', 50, 5, { areaHa: 200, classifiedHa: 55, inSceneHa: 200, cloudHa: 145 }), // mostly cloud
];
const estimates = estimateRegions({ classes: [1, 2], regions: regions.map((r) => ({ id: r.id, mappedArea: [r.mappedHa.get(1)!, r.mappedHa.get(2)!] })), points: sample, interval: 'wald' });

describe('regionStatistics', () => {
  const rows = regionStatistics({ classes, regions, estimates, buildings: null, quality: DEFAULT_QUALITY_RULES, z: 1.96 });

  it('publishes estimates with intervals, shares and a grade from the CV', () => {
    const forestA = rows.find((r) => r.region === 'A' && r.class === 1)!;
    // Â = 9000 * 0.95 + 1000 * 0.2 = 8750; Var = 9000² .95*.05/99 + 1000² .2*.8/99.
    expect(forestA.estimate).toBeCloseTo(8750, 4);
    const se = Math.sqrt((9000 ** 2 * 0.95 * 0.05) / 99 + (1000 ** 2 * 0.2 * 0.8) / 99);
    expect(forestA.se).toBeCloseTo(se, 4);
    expect(forestA.ci_lower).toBeCloseTo(8750 - 1.96 * se, 3);
    expect(forestA.cv).toBeCloseTo(se / 8750, 6);
    expect(forestA).toMatchObject({ mapped: 9000, valid_share: 1, cloud_share: 0, sample_size: 200, method: 'domain', grade: 'A', obs_status: 'E', suppressed: false });
    expect(forestA.flags).toMatch(/domain estimate/);
    const builtA = rows.find((r) => r.region === 'A' && r.class === 2)!;
    expect(builtA.estimate).toBeCloseTo(1000 * 0.8 + 9000 * 0.05, 4);
    expect(builtA.grade).toBe('C'); // SE 201 ha on 1250: CV 16 %
  });

  it('thin input lowers the status to U; the worst grade is suppressed (no estimate, OBS_STATUS Q)', () => {
    const forestB = rows.find((r) => r.region === 'B' && r.class === 1)!;
    expect(forestB.valid_share).toBeCloseTo(55 / 200, 6);
    expect(forestB.cloud_share).toBeCloseTo(145 / 200, 6);
    expect(forestB.obs_status).toBe('U');
    expect(forestB.flags).toMatch(/valid pixels 28 %; cloud 73 %/);
    const strict = regionStatistics({ classes, regions, estimates, buildings: null, quality: { ...DEFAULT_QUALITY_RULES, cvBands: [{ grade: 'A', maxCv: 0.01 }] }, z: 1.96 });
    const suppressed = strict.find((r) => r.region === 'A' && r.class === 2)!;
    expect(suppressed).toMatchObject({ grade: 'D', suppressed: true, obs_status: 'Q', estimate: null, se: null, ci_lower: null, ci_upper: null, cv: null, mapped: 1000 });
  });

  it('without reference data only the mapped areas are given, never as estimates', () => {
    const mappedOnly = regionStatistics({ classes, regions, estimates: null, buildings: null, quality: DEFAULT_QUALITY_RULES, z: 1.96 });
    expect(mappedOnly.every((r) => r.method === 'mapped-only' && r.estimate === null && r.obs_status === 'Q')).toBe(true);
    expect(mappedOnly[0].flags).toMatch(/no reference data/);
  });

  it('building counts corrected by precision / recall, with a delta-method SE', () => {
    const withBuildings = regionStatistics({
      classes,
      regions,
      estimates,
      buildings: { classId: 2, counts: new Map([['A', 120], ['B', 3]]), accuracy: { precision: 0.8, recall: 0.6, predicted: 50, reference: 60 } },
      quality: { ...DEFAULT_QUALITY_RULES, minSampleSize: 10 },
      z: 1.96,
    });
    const a = withBuildings.find((r) => r.region === 'A' && r.indicator === 'building_count')!;
    expect(a.mapped).toBe(120);
    expect(a.estimate).toBeCloseTo(160, 6);
    // Held-out part: Var(predicted) / predicted² = (60·0.6·0.4 + 50·0.2) / 50²; the region's own detections:
    // (N̂ r (1 - r) + count (1 - p)) / count² = (160·0.24 + 120·0.2) / 120².
    expect(a.se).toBeCloseTo(Number((160 * Math.sqrt((60 * 0.24 + 50 * 0.2) / 2500 + (160 * 0.24 + 120 * 0.2) / 14400)).toFixed(2)), 6);
    expect(a).toMatchObject({ unit: 'count', method: 'precision-recall', sample_size: 60 });
  });

  it('SDMX-CSV: one measure per row, suppressed values empty with status Q, configurable ids and codes', () => {
    const mapping: SdmxMapping = {
      dataflow: { agency: 'SURS', id: 'DF_LC', version: '1.2.0' },
      freq: 'A',
      dimensions: { freq: 'FREQ', refArea: 'GEO', class: 'LC', measure: 'MEASURE', unit: 'UNIT', time: 'TIME_PERIOD' },
      attributes: { obsStatus: 'OBS_STATUS', unitMult: 'UNIT_MULT', grade: 'QUALITY_GRADE', method: 'EST_METHOD', model: 'MODEL_VERSION' },
      classCodes: { '2': 'BUILT' },
      refAreaPrefix: 'SI0',
      modelVersion: 'abc',
    };
    const strict = regionStatistics({ classes, regions, estimates, buildings: null, quality: { ...DEFAULT_QUALITY_RULES, cvBands: [{ grade: 'A', maxCv: 0.01 }] }, z: 1.96 });
    const lines = statisticsToSdmxCsv(strict, '2020', mapping).trimEnd().split('\r\n');
    expect(lines[0]).toBe('STRUCTURE,STRUCTURE_ID,ACTION,FREQ,GEO,LC,MEASURE,UNIT,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT,QUALITY_GRADE,EST_METHOD,MODEL_VERSION');
    expect(lines).toHaveLength(1 + strict.length * 5);
    expect(lines).toContain('dataflow,SURS:DF_LC(1.2.0),I,A,SI0A,BUILT,AREA_MAPPED,HA,2020,1000,A,0,,DOMAIN,abc');
    expect(lines).toContain('dataflow,SURS:DF_LC(1.2.0),I,A,SI0A,BUILT,AREA_ADJ,HA,2020,,Q,0,D,DOMAIN,abc');
    expect(lines).toContain('dataflow,SURS:DF_LC(1.2.0),I,A,SI0A,FOREST,AREA_ADJ,HA,2020,,Q,0,D,DOMAIN,abc');
    const published = statisticsToSdmxCsv(rows, '2020', mapping).split('\r\n');
    expect(published).toContain('dataflow,SURS:DF_LC(1.2.0),I,A,SI0A,FOREST,AREA_ADJ,HA,2020,8750,E,0,A,DOMAIN,abc');
    // Attributes renamed or left out as the DSD has them.
    const own = statisticsToSdmxCsv(rows, '2020', { ...mapping, attributes: { obsStatus: 'OBS_STATUS', unitMult: null, grade: 'CONF_GRADE', method: null, model: null } }).split('\r\n');
    expect(own[0]).toBe('STRUCTURE,STRUCTURE_ID,ACTION,FREQ,GEO,LC,MEASURE,UNIT,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_GRADE');
    expect(own).toContain('dataflow,SURS:DF_LC(1.2.0),I,A,SI0A,FOREST,AREA_ADJ,HA,2020,8750,E,A');
  });

  it('a region the scene does not touch is flagged as outside it, not published as a plain zero', () => {
    const away = region('away', 0, 0, { areaHa: 500, classifiedHa: 0, inSceneHa: 0 });
    const [forest, built] = regionStatistics({ classes, regions: [away], estimates: null, buildings: null, quality: DEFAULT_QUALITY_RULES, z: 1.96 });
    for (const row of [forest, built]) expect(row.flags).toMatch(/^region outside the scene; /);
    expect(regionStatistics({ classes, regions: [region('A', 9000, 1000)], estimates: null, buildings: null, quality: DEFAULT_QUALITY_RULES, z: 1.96 })[0].flags).not.toMatch(/outside/);
  });

  it('SDMX time periods: a day, a month, a year, or an interval', () => {
    expect(sdmxTimePeriod('2015-07-11', '2015-07-11')).toBe('2015-07-11');
    expect(sdmxTimePeriod('2024-02-01', '2024-02-29')).toBe('2024-02');
    expect(sdmxTimePeriod('2020-01-01', '2020-12-31')).toBe('2020');
    expect(sdmxTimePeriod('2020-03-01', '2020-05-31')).toBe('2020-03-01/2020-05-31');
  });
});
