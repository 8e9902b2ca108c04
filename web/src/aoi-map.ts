import type { Feature as GeoJsonFeature, FeatureCollection, Geometry as GeoJsonGeometry, MultiPolygon, Polygon as GeoJsonPolygon } from 'geojson';
import Feature from 'ol/Feature.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import type Geometry from 'ol/geom/Geometry.js';
import { fromExtent } from 'ol/geom/Polygon.js';
import Draw from 'ol/interaction/Draw.js';
import VectorLayer from 'ol/layer/Vector.js';
import Map from 'ol/Map.js';
import { transformExtent } from 'ol/proj.js';
import VectorSource from 'ol/source/Vector.js';
import { Fill, Stroke, Style, Text } from 'ol/style.js';
import View from 'ol/View.js';
import { basemapLayer } from './basemap.js';

export type AoiMode = 'scene' | 'draw' | 'bbox' | 'upload' | 'regions';

const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
const aoiStyle = new Style({ stroke: new Stroke({ color: '#c05621', width: 2 }), fill: new Fill({ color: 'rgba(237,137,54,0.25)' }) });

/**
 * The job form's map: the chosen boundary set, and the area of interest drawn on it (Enter finishes a polygon,
 * Escape drops it), uploaded, typed as a bounding box, or made of regions picked by clicking them (or from the
 * list beside the map). The AOI leaves as GeoJSON in lon/lat.
 */
export class AoiMap {
  readonly element: HTMLElement;
  readonly selected = new Set<string>();
  private mode: AoiMode = 'scene';
  private idField = '';
  private uploaded: object | null = null;
  private readonly boundaries = new VectorSource();
  private readonly aoi = new VectorSource();
  private readonly map: Map;
  private readonly draw = new Draw({ source: this.aoi, type: 'Polygon' });
  private readonly listeners: (() => void)[] = [];

  constructor() {
    this.element = document.createElement('div');
    this.element.className = 'map';
    this.element.id = 'aoi-map';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'application');
    this.element.setAttribute('aria-label', 'Map of the area of interest: draw with the mouse, Enter finishes the polygon, Escape drops it');
    const boundaryStyle = (feature: Feature) => {
      const id = String(feature.get(this.idField) ?? '');
      const picked = this.selected.has(id);
      return new Style({
        stroke: new Stroke({ color: picked ? '#2b6cb0' : '#4a5568', width: picked ? 2.5 : 1 }),
        fill: new Fill({ color: picked ? 'rgba(66,153,225,0.35)' : 'rgba(255,255,255,0.01)' }),
        text: new Text({ text: id, font: '12px system-ui, sans-serif', fill: new Fill({ color: '#1a202c' }), stroke: new Stroke({ color: '#fff', width: 3 }) }),
      });
    };
    this.map = new Map({
      target: this.element,
      layers: [...basemapLayer(), new VectorLayer({ source: this.boundaries, style: (f) => boundaryStyle(f as Feature) }), new VectorLayer({ source: this.aoi, style: aoiStyle })],
      view: new View({ center: [0, 0], zoom: 2 }),
    });
    this.draw.on('drawstart', () => this.aoi.clear());
    this.draw.on('drawend', () => setTimeout(() => this.changed()));
    this.map.on('singleclick', (event) => {
      if (this.mode !== 'regions') return;
      this.map.forEachFeatureAtPixel(event.pixel, (feature) => {
        this.toggle(String(feature.get(this.idField)));
        return true;
      }, { layerFilter: (layer) => layer.getSource() === this.boundaries });
    });
    this.element.addEventListener('keydown', (event) => {
      if (this.mode !== 'draw') return;
      if (event.key === 'Enter') this.draw.finishDrawing();
      if (event.key === 'Escape') this.draw.abortDrawing();
    });
    this.map.on('rendercomplete', () => (this.element.dataset.rendered = 'true'));
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  setMode(mode: AoiMode): void {
    this.mode = mode;
    if (mode === 'draw') this.map.addInteraction(this.draw);
    else this.map.removeInteraction(this.draw);
    this.aoi.clear();
    this.uploaded = null;
    if (mode !== 'regions') this.selected.clear();
    this.boundaries.changed();
    this.changed();
  }

  /** The boundary set to show (lon/lat GeoJSON), keyed by `idField`. */
  setBoundaries(collection: FeatureCollection | null, idField: string): void {
    this.idField = idField;
    this.selected.clear();
    this.boundaries.clear();
    if (collection) {
      this.boundaries.addFeatures(format.readFeatures(collection) as Feature[]);
      this.fit(this.boundaries.getExtent());
    }
    this.changed();
  }

  setIdField(idField: string): void {
    this.idField = idField;
    this.selected.clear();
    this.boundaries.changed();
    this.changed();
  }

  /** The picked regions, all at once (from the list beside the map). */
  select(ids: string[]): void {
    this.selected.clear();
    for (const id of ids) this.selected.add(id);
    this.boundaries.changed();
    this.changed();
  }

  toggle(id: string, on = !this.selected.has(id)): void {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
    this.boundaries.changed();
    this.changed();
  }

  /**
   * An uploaded GeoJSON document: sent as it is (the service reads its CRS and checks its content), shown when it is
   * in lon/lat. Returns whether it is shown.
   */
  setUploaded(doc: { crs?: { properties?: { name?: string } } }): boolean {
    this.aoi.clear();
    this.uploaded = doc;
    const crs = doc.crs?.properties?.name;
    const lonLat = !crs || /CRS84$|EPSG::?4326$/i.test(crs);
    if (lonLat) {
      this.aoi.addFeatures(format.readFeatures(doc) as Feature[]);
      this.fit(this.aoi.getExtent());
    }
    this.changed();
    return lonLat;
  }

  /** A box in degrees (west, south, east, north). */
  setBox(box: [number, number, number, number]): void {
    this.aoi.clear();
    this.aoi.addFeature(new Feature(fromExtent(transformExtent(box, 'EPSG:4326', 'EPSG:3857'))));
    this.fit(this.aoi.getExtent());
    this.changed();
  }

  /** The AOI as GeoJSON (lon/lat), or null for the whole scene or nothing drawn yet. */
  geoJson(): GeoJsonGeometry | FeatureCollection | null {
    if (this.mode === 'scene') return null;
    if (this.mode === 'regions') {
      const parts = this.boundaries
        .getFeatures()
        .filter((f) => this.selected.has(String(f.get(this.idField))))
        .flatMap((f) => {
          const g = format.writeGeometryObject(f.getGeometry() as Geometry, { decimals: 7 }) as GeoJsonPolygon | MultiPolygon;
          return g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
        });
      return parts.length ? { type: 'MultiPolygon', coordinates: parts } : null;
    }
    if (this.mode === 'upload') return this.uploaded as GeoJsonGeometry | FeatureCollection | null;
    const features = this.aoi.getFeatures();
    if (features.length === 0) return null;
    if (features.length === 1) return format.writeGeometryObject(features[0].getGeometry() as Geometry, { decimals: 7 }) as GeoJsonGeometry;
    return { type: 'FeatureCollection', features: features.map((f) => format.writeFeatureObject(f, { decimals: 7 }) as GeoJsonFeature) };
  }

  private fit(extent: number[] | null): void {
    if (extent?.every(Number.isFinite)) this.map.getView().fit(extent, { padding: [20, 20, 20, 20], maxZoom: 18 });
  }

  dispose(): void {
    this.map.setTarget(undefined);
  }
}
