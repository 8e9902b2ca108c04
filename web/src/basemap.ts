import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import { basemap } from './settings.js';

/** The XYZ basemap of the settings, if any (none by default: nothing is fetched from the internet). */
export function basemapLayer(): TileLayer<XYZ>[] {
  const url = basemap.get();
  return url ? [new TileLayer({ source: new XYZ({ url, crossOrigin: 'anonymous' }) })] : [];
}
