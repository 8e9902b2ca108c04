import { SatError } from '../core/errors.js';
import { csvField } from './csv-field.js';

/** The dataflow observations refer to: written as AGENCY:ID(VERSION). */
export interface SdmxDataflow {
  agency: string;
  id: string;
  version: string;
}

export interface SdmxObservation {
  /** Dimension id → code, e.g. { FREQ: 'A', REF_AREA: 'SI038', LAND_COVER: 'FOREST', STAT_MEASURE: 'AREA_ADJ', TIME_PERIOD: '2020' }. */
  dimensions: Record<string, string>;
  /** null for a suppressed or missing value (written empty, with its OBS_STATUS saying why). */
  value: number | null;
  attributes: Record<string, string | number | null>;
}

/** A field of the file: numbers as formatNumber writes them. */
const field = (v: string | number | null | undefined) => csvField(typeof v === 'number' ? formatNumber(v) : v);

/** Numbers in plain decimal notation with at most 12 significant digits, so that files are stable and readable. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) throw new SatError('E_INPUT', `cannot write ${v} as an SDMX observation value`);
  return String(Number(v.toPrecision(12)));
}

/**
 * SDMX-CSV 2.0 (for SDMX 3.0): header STRUCTURE,STRUCTURE_ID,ACTION, then the dimensions, OBS_VALUE and the
 * attributes in the order given (the DSD's order); one row per observation. Every observation must have every
 * dimension; attributes may be empty.
 */
export function toSdmxCsv(
  flow: SdmxDataflow,
  dimensionIds: string[],
  attributeIds: string[],
  observations: SdmxObservation[],
  options: { action?: 'I' | 'A' | 'R' | 'D' } = {},
): string {
  const structureId = `${flow.agency}:${flow.id}(${flow.version})`;
  const header = ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', ...dimensionIds, 'OBS_VALUE', ...attributeIds];
  const lines = [header.map(field).join(',')];
  for (const [k, o] of observations.entries()) {
    const missing = dimensionIds.filter((d) => o.dimensions[d] === undefined || o.dimensions[d] === '');
    if (missing.length > 0) throw new SatError('E_INPUT', `SDMX observation ${k + 1} has no value for dimension(s) ${missing.join(', ')}`);
    lines.push(
      ['dataflow', structureId, options.action ?? 'I', ...dimensionIds.map((d) => o.dimensions[d]), o.value, ...attributeIds.map((a) => o.attributes[a])]
        .map(field)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
