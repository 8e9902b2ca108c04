import type { FeatureCollection } from 'geojson';
import { AoiMap, type AoiMode } from './aoi-map.js';
import { api, ApiError, type InputCatalog, type JobStatus, type Schedule } from './api.js';
import { field, h, option } from './dom.js';

interface JobDefaults {
  confidence: number;
  seed: number;
  quality: { cvBands: { grade: string; maxCv: number }[]; worstGrade: string; minValidShare: number; maxCloudShare: number; minSampleSize: number; suppress: string[] };
  minPerStratum: number;
}

/** The defaults the API applies, from its OpenAPI document (so the form shows what the service really uses). */
async function jobDefaults(): Promise<JobDefaults> {
  type Schema = { default?: unknown; properties?: Record<string, Schema>; anyOf?: Schema[] };
  const doc = await api<{ components: { schemas: { Job: Schema } } }>('/openapi.json');
  const p = doc.components.schemas.Job.properties!;
  const raster = p.reference.anyOf?.find((s) => s.properties?.raster);
  return {
    confidence: p.confidence.default as number,
    seed: p.seed.default as number,
    quality: p.quality.default as JobDefaults['quality'],
    minPerStratum: raster?.properties?.minPerStratum.default as number,
  };
}

const cvBandsText = (bands: JobDefaults['quality']['cvBands']) => bands.map((b) => `${b.grade}:${b.maxCv}`).join(', ');

/** "A:0.05, B:0.15" → bands; the API checks the values. */
function parseCvBands(text: string): { grade: string; maxCv: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [grade, cv] = s.split(':').map((t) => t.trim());
      return { grade, maxCv: Number(cv) };
    });
}

const input = (id: string, attrs: Record<string, string | number | boolean> = {}) => h('input', { id, name: id, ...attrs });
const select = (id: string, options: HTMLOptionElement[]) => h('select', { id, name: id }, ...options);

/** Fieldset of radio buttons, labelled by its legend. */
function radios(name: string, legend: string, choices: [string, string][], checked: string, errorFor: string): HTMLFieldSetElement {
  return h(
    'fieldset',
    { class: 'radios', id: `f-${name}` },
    h('legend', {}, legend),
    ...choices.map(([value, label]) => h('label', {}, h('input', { type: 'radio', name, value, checked: value === checked }), ` ${label}`)),
    h('p', { class: 'error', id: `f-${name}-error`, 'data-error-for': errorFor, role: 'alert', hidden: true }),
  );
}

const radioValue = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as RadioNodeList).value;

/**
 * A new job (or schedule): inputs from the data roots, the area of interest on a map, the period, the reference
 * data, quality settings with the service's defaults filled in. The API's validation errors appear next to the
 * fields they name.
 */
export async function jobForm(view: HTMLElement, kind: 'job' | 'schedule' = 'job'): Promise<() => void> {
  const [catalog, defaults] = await Promise.all([api<InputCatalog>('/inputs'), jobDefaults()]);
  const map = new AoiMap();
  const q = defaults.quality;
  const none = option('', '(none)');

  const imagery = select('f-imagery', [option('', '(choose a scene)'), ...catalog.rasters.map((r) => option(r))]);
  const imageryUrl = input('f-imagery-url', { type: 'url', placeholder: 'https://…/scene.tif' });
  const stacSource = h('input', { id: 'f-stac', name: 'f-stac', list: 'vectors', placeholder: 'catalogue/items.json or https://…/stac/v1', size: 40 });
  const stacBands = input('f-stac-bands', { placeholder: 'blue, green, red, nir', size: 30 });
  const stacResolution = input('f-stac-resolution', { type: 'number', min: 0, step: 'any', value: 10 });
  const aux = select('f-aux', [none, ...catalog.rasters.map((r) => option(r))]);
  const model = select('f-model', [option('', '(choose a model)'), ...catalog.models.map((m) => option(m.path, `${m.path} (${m.task}: ${m.classes.map((c) => c.name).join(', ')})`))]);
  const regionsFile = select('f-regions-file', [option('', '(choose a boundary set)'), ...catalog.vectors.map((v) => option(v))]);
  const idField = select('f-regions-id', []);
  const nameField = select('f-regions-name', []);
  const method = select('f-regions-method', ['exact', 'centroid', 'all-touched'].map((m) => option(m)));
  const regionList = h('select', { id: 'f-aoi-regions', multiple: true, size: 6 });
  const upload = input('f-aoi-file', { type: 'file', accept: '.geojson,.json,application/geo+json' });
  const bbox = input('f-aoi-bbox', { placeholder: '14.50, 46.00, 14.60, 46.10', size: 40 });
  const aoiStatus = h('p', { id: 'aoi-status', role: 'status', class: 'hint' });
  const periodStart = input('f-period-start', { type: 'date', required: true });
  const periodEnd = input('f-period-end', { type: 'date' });
  const refRaster = select('f-ref-raster', [option('', '(choose a reference raster)'), ...catalog.rasters.map((r) => option(r))]);
  const refSize = input('f-ref-size', { type: 'number', min: 1, step: 1, value: 300 });
  const refMin = input('f-ref-min', { type: 'number', min: 1, step: 1, value: defaults.minPerStratum });
  const refStrata = select('f-ref-strata', [option('class', 'class (map classes)'), option('region-class', 'region x class (an error matrix per region)')]);
  const refSample = h('input', { id: 'f-ref-sample', list: 'vectors' });
  const refField = input('f-ref-field', { value: 'reference' });
  const confidence = input('f-confidence', { type: 'number', min: 0.5, max: 0.999, step: 0.001, value: defaults.confidence });
  const cvBands = input('f-cv-bands', { value: cvBandsText(q.cvBands), size: 30 });
  const worstGrade = input('f-worst-grade', { value: q.worstGrade, size: 3 });
  const minValid = input('f-min-valid', { type: 'number', min: 0, max: 1, step: 0.01, value: q.minValidShare });
  const maxCloud = input('f-max-cloud', { type: 'number', min: 0, max: 1, step: 0.01, value: q.maxCloudShare });
  const minSample = input('f-min-sample', { type: 'number', min: 0, step: 1, value: q.minSampleSize });
  const suppress = input('f-suppress', { value: q.suppress.join(', '), size: 10 });
  const seed = input('f-seed', { type: 'number', step: 1, value: defaults.seed });
  const choropleth = select('f-choropleth', [option('', '(the class with most mapped area)')]);
  const name = input('f-name', { required: true, pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]*', placeholder: 'forest-2024-q2' });
  const every = input('f-every', { type: 'number', min: 1, step: 1, value: 24 });
  const cron = input('f-cron', { placeholder: '0 6 1 * *' });
  const periodDays = input('f-period-days', { type: 'number', min: 1, max: 366, step: 1, value: 1 });
  const topError = h('div', { class: 'alert', role: 'alert', id: 'form-error', hidden: true });

  const form = h(
    'form',
    { class: 'job-form', novalidate: true },
    h('h1', {}, kind === 'schedule' ? 'New schedule' : 'New job'),
    topError,
    h('fieldset', {}, h('legend', {}, 'Job'), field('Name', name, { errorFor: 'name', hint: 'Letters, digits, _ . - (it names the output files).' })),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Imagery and model'),
      field('Scene', imagery, { errorFor: 'imagery', hint: `Files in the service's data folders${catalog.truncated ? ' (the list is incomplete: the folders hold too many files)' : ''}.` }),
      field('or a scene URL', imageryUrl, { errorFor: 'imagery-url', hint: 'A GeoTIFF/COG over http(s) from a host the service allows; used instead of the file above when filled in.' }),
      field('or a STAC source', stacSource, { errorFor: 'imagery.stac', hint: "An ItemCollection or catalogue in the data folders, or a STAC API's URL: the Items of the area and period are cloud-masked and composited on a grid (used instead of a scene when filled in; its cloud mask comes with it)." }),
      field('STAC bands', stacBands, { errorFor: 'imagery.bands', hint: 'In the order the model reads them, e.g. blue, green, red, nir.' }),
      field('STAC grid resolution (m)', stacResolution, { errorFor: 'imagery.resolution', hint: "Cells on the UTM grid of the area's centre." }),
      field('Cloud mask (auxiliary raster)', aux, { errorFor: 'aux', hint: 'On the scene grid, when the model needs one.' }),
      field('Model', model, { errorFor: 'model' }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Regions the statistics are for'),
      field('Boundary set', regionsFile, { errorFor: 'regions.file' }),
      field('Region id field', idField, { errorFor: 'regions.idField', hint: 'The property that identifies a region.' }),
      field('Region name field', nameField, { errorFor: 'regions.nameField', hint: 'Optional: names shown beside the ids in the results.' }),
      field('Cell coverage', method, { errorFor: 'regions.method', hint: 'exact (default): fractional coverage of cells cut by a boundary.' }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Area of interest'),
      radios('aoi-mode', 'Classify', [['scene', 'the whole scene'], ['draw', 'a polygon drawn on the map'], ['bbox', 'a bounding box'], ['upload', 'a GeoJSON file'], ['regions', 'chosen regions']], 'scene', 'aoi'),
      h('div', { class: 'aoi-row' }, map.element, h('div', { class: 'aoi-side' }, field('Regions (click them on the map or choose here)', regionList, { errorFor: 'aoi-regions' }), field('Bounding box: west, south, east, north (degrees)', bbox, { errorFor: 'aoi-bbox' }), field('GeoJSON file (one Polygon or MultiPolygon)', upload, { errorFor: 'aoi-file' }))),
      aoiStatus,
    ),
    h('fieldset', {}, h('legend', {}, 'Reference period'), field('Date (or start)', periodStart, { errorFor: 'period' }), field('End (optional)', periodEnd, { errorFor: 'period.end' })),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Reference data for accuracy and error-adjusted areas'),
      radios('ref-kind', 'Reference', [['none', 'none (mapped areas only: no estimate is published)'], ['raster', 'a reference raster, sampled'], ['sample', 'a labelled sample file']], 'none', 'reference'),
      h('div', { class: 'ref-raster' }, field('Reference raster', refRaster, { errorFor: 'reference.raster' }), field('Sample size (points)', refSize, { errorFor: 'reference.sampleSize' }), field('Minimum points per stratum', refMin, { errorFor: 'reference.minPerStratum', hint: `Default ${defaults.minPerStratum}.` }), field('Strata', refStrata, { errorFor: 'reference.strata', hint: 'Default: class.' })),
      h('div', { class: 'ref-sample' }, field('Sample file', refSample, { errorFor: 'reference.sample' }), field('Reference field', refField, { errorFor: 'reference.referenceField', hint: 'Default: reference.' })),
      h('datalist', { id: 'vectors' }, ...catalog.vectors.map((v) => option(v))),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Quality settings (the service defaults are filled in)'),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Quality'),
        field('Confidence level of the intervals', confidence, { errorFor: 'confidence', hint: `Default ${defaults.confidence}.` }),
        field('Grades by coefficient of variation (grade:max CV, best first)', cvBands, { errorFor: 'quality.cvBands', hint: `Default ${cvBandsText(q.cvBands)}; anything above the last is the worst grade.` }),
        field('Worst grade', worstGrade, { errorFor: 'quality.worstGrade', hint: `Default ${q.worstGrade}.` }),
        field('Minimum valid share of a region', minValid, { errorFor: 'quality.minValidShare', hint: `Default ${q.minValidShare}; below it a figure is flagged U (unreliable).` }),
        field('Maximum cloud share of a region', maxCloud, { errorFor: 'quality.maxCloudShare', hint: `Default ${q.maxCloudShare}.` }),
        field('Minimum sample size', minSample, { errorFor: 'quality.minSampleSize', hint: `Default ${q.minSampleSize}.` }),
        field('Suppressed grades (Q)', suppress, { errorFor: 'quality.suppress', hint: `Default ${q.suppress.join(', ')}; their estimates are not published.` }),
        field('Random seed', seed, { errorFor: 'seed', hint: `Default ${defaults.seed}; the same job and seed give the same results.` }),
        field('Report choropleth class', choropleth, { errorFor: 'report.choroplethClass' }),
      ),
    ),
    kind === 'schedule'
      ? h('fieldset', {}, h('legend', {}, 'Repeat'), radios('repeat', 'Runs', [['every', 'every few hours'], ['cron', 'on a cron pattern (UTC)']], 'every', 'every'), field('Every (hours)', every, { errorFor: 'every' }), field('Cron pattern', cron, { errorFor: 'cron', hint: 'minute hour day month weekday, e.g. 0 6 1 * * (06:00 on the 1st of each month).' }), field('Days each run covers', periodDays, { errorFor: 'periodDays', hint: 'Each run covers this many days up to the day it fires (1: that day; 30 for a STAC source composited over the last month), unless a period is given above.' }))
      : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'submit' }, kind === 'schedule' ? 'Create schedule' : 'Submit job')),
  );
  view.append(form);
  if (kind === 'schedule') periodStart.required = false;

  // Boundary set → its regions on the map, its fields, its region list.
  let boundaries: FeatureCollection | null = null;
  const fillRegionList = () => {
    regionList.replaceChildren(...(boundaries?.features ?? []).map((f) => option(String(f.properties?.[idField.value] ?? ''), String(f.properties?.[idField.value] ?? ''), map.selected.has(String(f.properties?.[idField.value])))));
  };
  regionsFile.addEventListener('change', async () => {
    boundaries = regionsFile.value ? await api<FeatureCollection>(`/inputs/boundaries?file=${encodeURIComponent(regionsFile.value)}`).catch((err: Error) => (showErrors([`regions.file: ${err.message}`]), null)) : null;
    const keys = Object.keys(boundaries?.features[0]?.properties ?? {});
    idField.replaceChildren(...keys.map((k) => option(k, k, /^(id|code)$/i.test(k))));
    nameField.replaceChildren(option('', '(none)'), ...keys.map((k) => option(k, k, /^name$/i.test(k))));
    map.setBoundaries(boundaries, idField.value);
    fillRegionList();
  });
  idField.addEventListener('change', () => {
    map.setIdField(idField.value);
    fillRegionList();
  });
  regionList.addEventListener('change', () => {
    map.select([...regionList.selectedOptions].map((o) => o.value));
  });
  model.addEventListener('change', () => {
    const classes = catalog.models.find((m) => m.path === model.value)?.classes ?? [];
    choropleth.replaceChildren(option('', '(the class with most mapped area)'), ...classes.map((c) => option(c.name)));
  });

  const aoiModeChanged = () => {
    const mode = radioValue(form, 'aoi-mode') as AoiMode;
    map.setMode(mode);
    regionList.disabled = mode !== 'regions';
    bbox.disabled = mode !== 'bbox';
    upload.disabled = mode !== 'upload';
    if (mode === 'draw') map.element.focus();
    // Back to a box or a file given before: it is the AOI again.
    if (mode === 'bbox' && bbox.value) bbox.dispatchEvent(new Event('change'));
    if (mode === 'upload' && upload.files?.length) upload.dispatchEvent(new Event('change'));
  };
  form.querySelectorAll('input[name="aoi-mode"]').forEach((r) => r.addEventListener('change', aoiModeChanged));
  aoiModeChanged();
  bbox.addEventListener('change', () => {
    const box = bbox.value.split(/[,\s]+/).filter(Boolean).map(Number);
    if (box.length === 4 && box.every(Number.isFinite) && box[0] < box[2] && box[1] < box[3]) map.setBox(box as [number, number, number, number]);
    else showErrors(['aoi-bbox: four numbers: west, south, east, north, in degrees']);
  });
  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    if (!file) return;
    try {
      if (!map.setUploaded(JSON.parse(await file.text()) as object)) aoiStatus.textContent = `${file.name} is not in lon/lat: it is sent as it is, not shown on the map.`;
    } catch (err) {
      showErrors([`aoi-file: ${file.name} is not GeoJSON (${(err as Error).message})`]);
    }
  });
  map.onChange(() => {
    const aoi = map.geoJson();
    const mode = radioValue(form, 'aoi-mode');
    aoiStatus.textContent = mode === 'scene' ? 'The whole scene is classified.' : aoi ? (mode === 'regions' ? `${map.selected.size} region(s) chosen.` : 'Area of interest set.') : 'No area of interest yet.';
    for (const o of regionList.options) o.selected = map.selected.has(o.value);
  });

  const refKindChanged = () => {
    const kind = radioValue(form, 'ref-kind');
    form.querySelector<HTMLElement>('.ref-raster')!.hidden = kind !== 'raster';
    form.querySelector<HTMLElement>('.ref-sample')!.hidden = kind !== 'sample';
  };
  form.querySelectorAll('input[name="ref-kind"]').forEach((r) => r.addEventListener('change', refKindChanged));
  refKindChanged();

  /** The job as the API takes it: what the user set, and the quality settings only where they differ from the defaults. */
  const spec = (): Record<string, unknown> => {
    const stac = stacSource.value.trim();
    const sceneImagery = imageryUrl.value.trim() || imagery.value;
    const stacImagery = { stac, bands: stacBands.value.split(',').map((b) => b.trim()).filter(Boolean), resolution: Number(stacResolution.value) };
    const job: Record<string, unknown> = { name: name.value.trim(), imagery: stac ? stacImagery : sceneImagery, model: model.value, regions: { file: regionsFile.value, idField: idField.value, ...(nameField.value && { nameField: nameField.value }), method: method.value } };
    if (aux.value && !stac) job.aux = aux.value;
    const aoi = map.geoJson();
    if (aoi) job.aoi = aoi;
    if (periodStart.value) job.period = periodEnd.value ? { start: periodStart.value, end: periodEnd.value } : periodStart.value;
    const ref = radioValue(form, 'ref-kind');
    if (ref === 'raster') job.reference = { raster: refRaster.value, sampleSize: Number(refSize.value), minPerStratum: Number(refMin.value), strata: refStrata.value };
    if (ref === 'sample') job.reference = { sample: refSample.value, referenceField: refField.value };
    if (Number(confidence.value) !== defaults.confidence) job.confidence = Number(confidence.value);
    const quality: Record<string, unknown> = {};
    if (cvBands.value.replace(/\s/g, '') !== cvBandsText(q.cvBands).replace(/\s/g, '')) quality.cvBands = parseCvBands(cvBands.value);
    if (worstGrade.value.trim() !== q.worstGrade) quality.worstGrade = worstGrade.value.trim();
    if (Number(minValid.value) !== q.minValidShare) quality.minValidShare = Number(minValid.value);
    if (Number(maxCloud.value) !== q.maxCloudShare) quality.maxCloudShare = Number(maxCloud.value);
    if (Number(minSample.value) !== q.minSampleSize) quality.minSampleSize = Number(minSample.value);
    const suppressed = suppress.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (suppressed.join(',') !== q.suppress.join(',')) quality.suppress = suppressed;
    if (Object.keys(quality).length) job.quality = quality;
    if (Number(seed.value) !== defaults.seed) job.seed = Number(seed.value);
    if (choropleth.value) job.report = { choroplethClass: choropleth.value };
    return job;
  };

  /** Puts each `path: message` line of an API error next to its field (the longest matching field path), the rest on top. */
  function showErrors(lines: string[]): void {
    const slots = [...form.querySelectorAll<HTMLElement>('[data-error-for]')];
    const unplaced: string[] = [];
    for (const line of lines) {
      const m = /^\s*(?:spec\.)?([\w.-]+|\(root\)):\s*(.*)$/.exec(line);
      const path = m?.[1] ?? '';
      const slot = slots
        .filter((s) => path === s.dataset.errorFor || path.startsWith(`${s.dataset.errorFor}.`))
        .sort((a, b) => b.dataset.errorFor!.length - a.dataset.errorFor!.length)[0];
      if (!slot || !m) {
        unplaced.push(line.trim());
        continue;
      }
      slot.textContent = slot.hidden ? m[2] : `${slot.textContent} ${m[2]}`;
      slot.hidden = false;
      slot.closest('details')?.setAttribute('open', '');
    }
    topError.replaceChildren(h('p', {}, 'The service refused this job: see the messages next to the fields.'), ...unplaced.map((u) => h('p', {}, u)));
    topError.hidden = false;
    (form.querySelector<HTMLElement>('.error:not([hidden])')?.closest('.field, fieldset')?.querySelector<HTMLElement>('input, select') ?? topError).focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const slot of form.querySelectorAll<HTMLElement>('.error')) slot.hidden = true;
    topError.hidden = true;
    const button = form.querySelector<HTMLButtonElement>('#submit')!;
    button.disabled = true;
    try {
      if (kind === 'schedule') {
        const repeat = radioValue(form, 'repeat');
        const days = Number(periodDays.value);
        const body = { spec: spec(), ...(repeat === 'every' ? { every: Math.round(Number(every.value) * 3_600_000) } : { cron: cron.value.trim() }), ...(days !== 1 && { periodDays: days }) };
        const schedule = await api<Schedule>('/schedules', { body });
        location.hash = `#/schedules/${schedule.id}`;
      } else {
        const job = await api<JobStatus>('/jobs', { body: spec() });
        location.hash = `#/jobs/${job.id}`;
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // The body limit (service.bodyLimitKB): in practice a detailed area of interest.
      if (err.status === 413) return showErrors(['aoi: the job is larger than the service accepts (service.bodyLimitKB); choose fewer or simpler regions, or a GeoJSON file with fewer vertices']);
      // "invalid job:\n  path: message" from validation, or "path: message" from the input policy.
      const lines = err.message.split('\n').filter((l) => l.trim() && !/^invalid (job|schedule):?$/.test(l.trim()));
      showErrors(lines.map((l) => l.replace(/^invalid (job|schedule): /, '')));
    } finally {
      button.disabled = false;
    }
  });
  name.focus();
  return () => map.dispose();
}
