import type { StatisticsRow } from '../statistics/region-statistics.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { toSdmxCsv, type SdmxDataflow, type SdmxObservation } from './sdmx-csv.js';

/** How the statistics table maps onto a dataflow: ids of the dimensions and attributes, codes of classes and regions. */
export interface SdmxMapping {
  dataflow: SdmxDataflow;
  /** Frequency code of the reference period (CL_FREQ): A annual, M monthly, D daily... */
  freq: string;
  /** Dimension ids, in the DSD's order of: frequency, region, class, measure, unit, time. */
  dimensions: { freq: string; refArea: string; class: string; measure: string; unit: string; time: string };
  /** Attribute ids in this order (null: not written): observation status, unit multiplier, quality grade, estimation method, model. */
  attributes: { obsStatus: string | null; unitMult: string | null; grade: string | null; method: string | null; model: string | null };
  /** Class id → code in the class codelist; by default the class name in upper case. */
  classCodes: Record<string, string>;
  /** Prefix of region codes (e.g. 'SI0' when the codelist uses NUTS-like codes built from the ids). */
  refAreaPrefix: string;
  /** Value of the model attribute (the model package hash), so every number says which model made it. */
  modelVersion: string;
}

/** The mapping of a job spec's `sdmx` section, with the model package's hash as the model attribute. */
export function sdmxMapping(sdmx: JobSpec['sdmx'], modelHash: string): SdmxMapping {
  return {
    dataflow: { agency: sdmx.agency, id: sdmx.id, version: sdmx.version },
    freq: sdmx.freq,
    dimensions: sdmx.dimensions,
    attributes: sdmx.attributes,
    classCodes: sdmx.classCodes,
    refAreaPrefix: sdmx.refAreaPrefix,
    modelVersion: modelHash.slice(0, 12),
  };
}

const MEASURES: Record<StatisticsRow['indicator'], { mapped: string; estimate: string; se: string; lower: string; upper: string }> = {
  area: { mapped: 'AREA_MAPPED', estimate: 'AREA_ADJ', se: 'AREA_SE', lower: 'AREA_CI_LOW', upper: 'AREA_CI_UPP' },
  building_count: { mapped: 'COUNT_MAPPED', estimate: 'COUNT_ADJ', se: 'COUNT_SE', lower: 'COUNT_CI_LOW', upper: 'COUNT_CI_UPP' },
};
const UNITS: Record<StatisticsRow['unit'], string> = { ha: 'HA', count: 'NUMBER' };

export function classCode(mapping: SdmxMapping, id: number, name: string): string {
  return mapping.classCodes[String(id)] ?? name.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
}

/**
 * The statistics table as SDMX-CSV 2.0 observations, one measure per row as estimation.md sketches: the mapped
 * value (OBS_STATUS A, it is what the map says), then the estimate, its SE and CI bounds carrying the cell's
 * quality grade and OBS_STATUS; suppressed cells are written with an empty value and status Q.
 */
export function statisticsToSdmxCsv(rows: StatisticsRow[], timePeriod: string, mapping: SdmxMapping): string {
  const d = mapping.dimensions;
  const a = mapping.attributes;
  const observations: SdmxObservation[] = [];
  for (const row of rows) {
    const measures = MEASURES[row.indicator];
    const dimensions = (measure: string) => ({
      [d.freq]: mapping.freq,
      [d.refArea]: `${mapping.refAreaPrefix}${row.region}`,
      [d.class]: classCode(mapping, row.class, row.class_name),
      [d.measure]: measure,
      [d.unit]: UNITS[row.unit],
      [d.time]: timePeriod,
    });
    const attributes = (status: string, grade: string | null) =>
      Object.fromEntries(
        (
          [
            [a.obsStatus, status],
            [a.unitMult, 0],
            [a.grade, grade],
            [a.method, row.method.toUpperCase().replace(/-/g, '_')],
            [a.model, mapping.modelVersion],
          ] as const
        ).filter(([id]) => id !== null),
      );
    observations.push({ dimensions: dimensions(measures.mapped), value: row.mapped, attributes: attributes('A', null) });
    if (row.method === 'mapped-only') continue;
    for (const [key, measure] of [['estimate', measures.estimate], ['se', measures.se], ['ci_lower', measures.lower], ['ci_upper', measures.upper]] as const) {
      observations.push({ dimensions: dimensions(measure), value: row[key], attributes: attributes(row.obs_status, row.grade) });
    }
  }
  const attributeIds = [a.obsStatus, a.unitMult, a.grade, a.method, a.model].filter((id): id is string => id !== null);
  return toSdmxCsv(mapping.dataflow, [d.freq, d.refArea, d.class, d.measure, d.unit, d.time], attributeIds, observations);
}

/** SDMX TIME_PERIOD of a reference period: a year, a month or a day when it is exactly one, else an ISO 8601 interval. */
export function sdmxTimePeriod(start: string, end: string): string {
  if (start === end) return start;
  const [y0, m0, d0] = start.split('-');
  const [y1, m1, d1] = end.split('-');
  if (y0 === y1 && m0 === '01' && d0 === '01' && m1 === '12' && d1 === '31') return y0;
  const lastDay = new Date(Date.UTC(Number(y1), Number(m1), 0)).getUTCDate();
  if (y0 === y1 && m0 === m1 && d0 === '01' && Number(d1) === lastDay) return `${y0}-${m0}`;
  return `${start}/${end}`;
}
