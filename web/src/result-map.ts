import type Feature from 'ol/Feature.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import ImageLayer from 'ol/layer/Image.js';
import VectorLayer from 'ol/layer/Vector.js';
import WebGLTileLayer from 'ol/layer/WebGLTile.js';
import Map from 'ol/Map.js';
import Overlay from 'ol/Overlay.js';
import { get as getProjection } from 'ol/proj.js';
import { register } from 'ol/proj/proj4.js';
import GeoTIFF from 'ol/source/GeoTIFF.js';
import ImageStatic from 'ol/source/ImageStatic.js';
import VectorSource from 'ol/source/Vector.js';
import { Fill, Stroke, Style } from 'ol/style.js';
import proj4 from 'proj4';
import { api, apiBlob, authHeaders } from './api.js';
import { basemapLayer } from './basemap.js';
import { formatNumber, h, option } from './dom.js';

interface MapClass {
  value: number;
  name: string;
  color_hint: string;
}

interface StacItem {
  properties: Record<string, unknown>;
  assets: Record<string, { 'classification:classes'?: MapClass[] }>;
}

/** Share bands of the choropleth (a class's error-adjusted area / region area) and their colours (light → dark). */
const SHARE_BREAKS = [0.1, 0.25, 0.5, 0.75];
const SHARE_COLOURS = ['#f7fcf5', '#c7e9c0', '#74c476', '#31a354', '#006d2c'];
const OBS_STATUS: Record<string, string> = { E: 'estimated', U: 'unreliable (thin input)', Q: 'suppressed (quality too low)' };

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** A diagonal hatch of `colour` (unreliable regions) or a cross-hatch (suppressed ones), as a fill pattern. */
function hatch(colour: string, cross: boolean): CanvasPattern {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 8;
  const ctx = canvas.getContext('2d')!;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(0, 8);
  ctx.lineTo(8, 0);
  if (cross) {
    ctx.moveTo(0, 0);
    ctx.lineTo(8, 8);
  }
  ctx.stroke();
  return ctx.createPattern(canvas, 'repeat')!;
}

/** Makes the scene's CRS known to the map (its PROJ definition from the API: no request leaves the service). */
async function ensureProjection(code: string): Promise<void> {
  if (getProjection(code)) return;
  const epsg = /^EPSG:(\d+)$/.exec(code)?.[1];
  if (!epsg) throw new Error(`the class map's CRS ${code} cannot be shown`);
  const { proj4: definition } = await api<{ proj4: string }>(`/crs/${epsg}`);
  proj4.defs(code, definition);
  register(proj4);
}

/**
 * The results on a map: the class map read from the result COG itself (range requests with the token), the
 * quicklook, and the regions as a choropleth of a chosen class's error-adjusted share, U and Q regions hatched,
 * details on hover. The map's element carries data-rendered="true" once everything shown is drawn.
 */
export class ResultMap {
  private constructor(
    private readonly map: Map,
    private readonly urls: string[],
  ) {}

  static async create(holder: HTMLElement, jobId: string, results: string[]): Promise<ResultMap> {
    const route = (name: string) => `/jobs/${jobId}/results/${name}`;
    const stac = await api<StacItem>(route('stac-item.json'));
    const classes = stac.assets.classes?.['classification:classes'] ?? [];
    const code = String(stac.properties['proj:code'] ?? '');
    const bbox = stac.properties['proj:bbox'] as number[];
    await ensureProjection(code);

    const classMap = new WebGLTileLayer({
      source: new GeoTIFF({ sources: [{ url: route('classes.tif') }], normalize: false, interpolate: false, projection: code, sourceOptions: { headers: authHeaders() } }),
      style: { color: ['match', ['band', 1], ...classes.flatMap((c) => [c.value, [...rgb(`#${c.color_hint}`), 1]]), [0, 0, 0, 0]] },
    });
    const urls: string[] = [];
    // The PNG pictures of the whole scene (fetched with the token, so through blob: URLs), hidden until switched on.
    const picture = async (name: string, interpolate: boolean) => {
      const layer = new ImageLayer({ visible: false });
      if (results.includes(name)) {
        const url = URL.createObjectURL(await apiBlob(route(name)));
        urls.push(url);
        layer.setSource(new ImageStatic({ url, imageExtent: bbox, projection: code, interpolate }));
      }
      return layer;
    };
    const trueColour = await picture('true-colour.png', true);
    const quicklook = await picture('quicklook.png', false);

    const regions = results.includes('regions.geojson') ? await api<{ features: { properties: Record<string, unknown> }[] }>(route('regions.geojson')) : null;
    // The choropleth, first of the class with most mapped area.
    const mappedArea = (c: MapClass) => (regions?.features ?? []).reduce((sum, f) => sum + (Number(f.properties[`area_${slug(c.name)}_mapped`]) || 0), 0);
    let chosen = slug([...classes].sort((a, b) => mappedArea(b) - mappedArea(a))[0]?.name ?? '');
    const styleOf = (feature: Feature): Style => {
      const p = feature.getProperties();
      const status = String(p[`area_${chosen}_obs_status`] ?? '');
      const estimate = p[`area_${chosen}_estimate`];
      const share = typeof estimate === 'number' && p.region_area_ha ? estimate / (p.region_area_ha as number) : null;
      const colour = share === null ? '#a0aec0' : SHARE_COLOURS[SHARE_BREAKS.filter((b) => share >= b).length];
      const fill = status === 'Q' || share === null ? hatch('#4a5568', true) : status === 'U' ? hatch(colour === SHARE_COLOURS[0] ? '#718096' : colour, false) : `${colour}99`;
      return new Style({ fill: new Fill({ color: fill }), stroke: new Stroke({ color: status === 'E' ? '#2d3748' : '#c53030', width: status === 'E' ? 1 : 2, lineDash: status === 'E' ? undefined : [6, 4] }) });
    };
    const regionsLayer = new VectorLayer({ source: new VectorSource(), style: (f) => styleOf(f as Feature) });

    const element = h('div', { class: 'map result-map', id: 'result-map', role: 'img', 'aria-label': 'Map of the results: the class map and the regions (the table below gives the same figures)' });
    const tooltip = h('div', { class: 'tooltip', role: 'tooltip', hidden: true });
    const map = new Map({ target: element, layers: [...basemapLayer(), trueColour, classMap, quicklook, regionsLayer], view: classMap.getSource()!.getView() });
    const overlay = new Overlay({ element: tooltip, offset: [12, 12], positioning: 'top-left' });
    map.addOverlay(overlay);

    if (regions) regionsLayer.getSource()!.addFeatures(new GeoJSON().readFeatures(regions, { dataProjection: 'EPSG:4326', featureProjection: code }) as Feature[]);

    map.on('pointermove', (event) => {
      const feature = map.forEachFeatureAtPixel(event.pixel, (f) => f as Feature, { layerFilter: (l) => l === regionsLayer && l.getVisible() });
      if (!feature) {
        tooltip.hidden = true;
        return;
      }
      const p = feature.getProperties();
      const get = (m: string) => p[`area_${chosen}_${m}`];
      const estimate = get('estimate');
      const halfCi = typeof get('ci_upper') === 'number' && typeof get('ci_lower') === 'number' ? ((get('ci_upper') as number) - (get('ci_lower') as number)) / 2 : null;
      const status = String(get('obs_status') ?? '');
      tooltip.replaceChildren(
        h('strong', {}, p.name === undefined ? String(p.id) : `${String(p.name)} (${String(p.id)})`),
        h('br'),
        `${chosen.replace(/_/g, ' ')}: `,
        estimate === null || estimate === undefined ? 'not published' : `${formatNumber(estimate)} ha ± ${formatNumber(halfCi)} ha`,
        typeof estimate === 'number' && p.region_area_ha ? ` (${formatNumber((100 * estimate) / (p.region_area_ha as number), 1)} % of the region)` : '',
        h('br'),
        `mapped ${formatNumber(get('mapped'))} ha · grade ${String(get('grade') ?? '–')} · ${status} ${OBS_STATUS[status] ?? ''}`,
      );
      tooltip.hidden = false;
      overlay.setPosition(event.coordinate);
    });
    map.on('rendercomplete', () => (element.dataset.rendered = 'true'));

    // Layer switches, the choropleth's class, legends.
    const layerSwitch = (id: string, label: string, layer: { getVisible(): boolean; setVisible(v: boolean): void }) => {
      const box = h('input', { type: 'checkbox', id, checked: layer.getVisible() });
      box.addEventListener('change', () => {
        element.dataset.rendered = 'false';
        layer.setVisible(box.checked);
        map.render();
      });
      return h('label', {}, box, ` ${label}`);
    };
    const classSelect = h('select', { id: 'choropleth-class' }, ...classes.map((c) => option(slug(c.name), c.name, slug(c.name) === chosen)));
    classSelect.addEventListener('change', () => {
      chosen = classSelect.value;
      element.dataset.rendered = 'false';
      regionsLayer.changed();
    });
    const swatch = (paint: (el: HTMLElement) => void, cls = 'swatch') => {
      const el = h('span', { class: cls, 'aria-hidden': 'true' });
      paint(el);
      return el;
    };
    const bands = [0, ...SHARE_BREAKS];
    holder.append(
      h(
        'div',
        { class: 'map-row' },
        element,
        h(
          'div',
          { class: 'map-side' },
          h('fieldset', {}, h('legend', {}, 'Layers'), layerSwitch('layer-true-colour', 'true colour', trueColour), layerSwitch('layer-classes', 'class map (COG)', classMap), layerSwitch('layer-quicklook', 'quicklook', quicklook), layerSwitch('layer-regions', 'regions (choropleth)', regionsLayer)),
          h('div', { class: 'field' }, h('label', { for: 'choropleth-class' }, 'Choropleth class'), classSelect),
          h('h3', {}, 'Error-adjusted share of the region'),
          h('ul', { class: 'legend' }, ...SHARE_COLOURS.map((c, i) => h('li', {}, swatch((el) => (el.style.background = c)), ` ${Math.round(bands[i] * 100)}${i < SHARE_BREAKS.length ? `–${Math.round(SHARE_BREAKS[i] * 100)}` : '–100'} %`)),
            h('li', {}, swatch(() => {}, 'swatch hatch-u'), ' U: unreliable (thin input)'),
            h('li', {}, swatch(() => {}, 'swatch hatch-q'), ' Q: suppressed, not published'),
          ),
          h('h3', {}, 'Classes'),
          h('ul', { class: 'legend', id: 'class-legend' }, ...classes.map((c) => h('li', { 'data-colour': c.color_hint }, swatch((el) => (el.style.background = `#${c.color_hint}`)), ` ${c.name}`))),
        ),
      ),
    );
    return new ResultMap(map, urls);
  }

  dispose(): void {
    this.map.setTarget(undefined);
    for (const url of this.urls) URL.revokeObjectURL(url);
  }
}
