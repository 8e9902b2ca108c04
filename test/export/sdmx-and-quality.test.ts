import { describe, expect, it } from 'vitest';
import { gradeQuality } from '../../pipeline/assess/quality-grade.js';
import { toSdmxCsv } from '../../pipeline/export/sdmx-csv.js';

describe('SDMX-CSV 2.0', () => {
  it('reproduces the sketch of estimation.md: header order, structure id, one measure per row', () => {
    const flow = { agency: 'NSO', id: 'DF_LC_AREA', version: '1.0.0' };
    const dims = ['FREQ', 'REF_AREA', 'LAND_COVER', 'STAT_MEASURE', 'UNIT_MEASURE', 'TIME_PERIOD'];
    const attrs = ['OBS_STATUS', 'UNIT_MULT', 'QUALITY_GRADE', 'MODEL_VERSION'];
    const base = { FREQ: 'A', REF_AREA: 'MX01', LAND_COVER: 'URBAN', UNIT_MEASURE: 'HA', TIME_PERIOD: '2020' };
    const csv = toSdmxCsv(flow, dims, attrs, [
      { dimensions: { ...base, STAT_MEASURE: 'AREA_ADJ' }, value: 21158, attributes: { OBS_STATUS: 'G', UNIT_MULT: 0, QUALITY_GRADE: 'C', MODEL_VERSION: 'lc-cnn-2.3.1' } },
      { dimensions: { ...base, STAT_MEASURE: 'AREA_SE' }, value: 3142, attributes: { OBS_STATUS: 'G', UNIT_MULT: 0, QUALITY_GRADE: 'C', MODEL_VERSION: 'lc-cnn-2.3.1' } },
      { dimensions: { ...base, STAT_MEASURE: 'AREA_MAPPED' }, value: 18000, attributes: { OBS_STATUS: 'A', UNIT_MULT: 0, QUALITY_GRADE: null, MODEL_VERSION: 'lc-cnn-2.3.1' } },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,LAND_COVER,STAT_MEASURE,UNIT_MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT,QUALITY_GRADE,MODEL_VERSION',
      'dataflow,NSO:DF_LC_AREA(1.0.0),I,A,MX01,URBAN,AREA_ADJ,HA,2020,21158,G,0,C,lc-cnn-2.3.1',
      'dataflow,NSO:DF_LC_AREA(1.0.0),I,A,MX01,URBAN,AREA_SE,HA,2020,3142,G,0,C,lc-cnn-2.3.1',
      'dataflow,NSO:DF_LC_AREA(1.0.0),I,A,MX01,URBAN,AREA_MAPPED,HA,2020,18000,A,0,,lc-cnn-2.3.1',
      '',
    ]);
  });

  it('quotes fields with commas and quotes (RFC 4180), writes suppressed values empty, refuses missing dimensions', () => {
    const flow = { agency: 'NSO', id: 'X', version: '1.0' };
    const csv = toSdmxCsv(flow, ['REF_AREA'], ['COMMENT'], [{ dimensions: { REF_AREA: 'A,B' }, value: null, attributes: { COMMENT: 'say "hi"' } }]);
    expect(csv.split('\r\n')[1]).toBe('dataflow,NSO:X(1.0),I,"A,B",,"say ""hi"""');
    expect(() => toSdmxCsv(flow, ['REF_AREA', 'TIME_PERIOD'], [], [{ dimensions: { REF_AREA: 'A' }, value: 1, attributes: {} }])).toThrow(/observation 1 has no value for dimension\(s\) TIME_PERIOD/);
  });
});

describe('quality grades', () => {
  it('grades by CV bands, flags thin inputs as low reliability, suppresses the worst grade', () => {
    expect(gradeQuality({ cv: 0.03, validShare: 0.95, cloudShare: 0.02, sampleSize: 100 })).toMatchObject({ grade: 'A', obsStatus: 'E', suppressed: false });
    expect(gradeQuality({ cv: 0.2, validShare: 0.95, cloudShare: 0.02, sampleSize: 100 }).grade).toBe('C');
    expect(gradeQuality({ cv: 0.1, validShare: 0.3, cloudShare: 0.6, sampleSize: 100 })).toMatchObject({ grade: 'B', obsStatus: 'U', reasons: ['valid pixels 30 %', 'cloud 60 %'] });
    expect(gradeQuality({ cv: 0.45, validShare: 1, cloudShare: 0, sampleSize: 100 })).toMatchObject({ grade: 'D', obsStatus: 'Q', suppressed: true });
    expect(gradeQuality({ cv: null, validShare: 1, cloudShare: 0, sampleSize: 1 })).toMatchObject({ grade: 'D', suppressed: true, reasons: ['no standard error', 'sample of 1'] });
  });
});
