/**
 * Band mapping on the real Items of ../shared/data/08_stac_items: Planetary Computer (B04 keys, eo:bands,
 * raster:bands nodata/data type), Earth Search's older COG collection (B04/SCL keys, no eo:bands on assets, 9-number
 * proj:transform), USGS Landsat Collection 2 (red/nir08/qa_pixel keys, grid on the Item, scale and offset from the
 * collection table), and Sentinel-2's BOA_ADD_OFFSET from processing baseline 04.00 on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { checkAssetHrefs } from '../../pipeline/collect/check-asset-hrefs.js';
import { loadCollectionTables } from '../../pipeline/collect/collection-tables.js';
import { resolveBandSource } from '../../pipeline/collect/resolve-band-source.js';
import { s2ProcessingBaseline } from '../../pipeline/collect/s2-processing-baseline.js';
import { StacItemSchema, type LocatedItem } from '../../pipeline/collect/stac-schema.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const PC = 'S2B_MSIL2A_20190629T212529_R043_T06VVN_20201006T080531_raster_ext.json';
const EARTH_SEARCH = 'S2A_28QCH_20200714_0_L2A.json';
const LANDSAT = 'LC08_L2SP_028030_20200114_20200824_02_T1_SR.json';

const raw = (name: string) => JSON.parse(readFileSync(sharedPath('08_stac_items', name), 'utf8'));
const located = (doc: unknown, location = '/data/stac/item.json'): LocatedItem => ({ item: StacItemSchema.parse(doc), location });
const tables = loadCollectionTables();

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
};

describeWithSharedData('band sources from real STAC Items', () => {
  it('Planetary Computer: common names to B-keys, raster:bands nodata and data type, the table scale', () => {
    const item = located(raw(PC));
    const red = resolveBandSource(item, 'red', tables);
    expect(red).toEqual({
      band: 'red',
      itemId: 'S2B_MSIL2A_20190629T212529_R043_T06VVN_20201006T080531',
      collection: 'sentinel-2-l2a',
      assetKey: 'B04',
      href: raw(PC).assets.B04.href,
      bandIndex: 1,
      matchedBy: 'collection table',
      nodata: 0,
      dataType: 'uint16',
      scale: 0.0001,
      offset: 0,
      boaAddOffset: 0,
      categorical: false,
      gsd: 10,
      resolution: 10,
      epsg: 32606,
      geotransform: [399960, 10, 0, 6800040, 0, -10],
      shape: [10980, 10980],
    });
    const swir = resolveBandSource(item, 'swir16', tables);
    expect([swir.assetKey, swir.resolution, swir.shape]).toEqual(['B11', 20, [5490, 5490]]);
    const scl = resolveBandSource(item, 'scl', tables);
    expect([scl.assetKey, scl.matchedBy, scl.nodata, scl.dataType, scl.scale, scl.offset, scl.categorical, scl.resolution]).toEqual(['SCL', 'asset key', 0, 'uint8', 1, 0, true, 20]);
    // An asset key asked for directly; and a band only eo:bands names (no table entry: B09's name).
    expect(resolveBandSource(item, 'B8A', tables).geotransform).toEqual([399960, 20, 0, 6800040, 0, -20]);
    // B06 has no raster:bands on this Item: nodata and data type come from the table.
    const b06 = resolveBandSource(item, 'rededge2', tables);
    expect([b06.assetKey, b06.nodata, b06.dataType]).toEqual(['B06', 0, 'uint16']);
  });

  it("an Item's raster:bands scale, offset and nodata win over the table", () => {
    const doc = raw(PC);
    doc.assets.B04['raster:bands'] = [{ nodata: 'nan', data_type: 'float32', scale: 0.0002, offset: -0.05 }];
    const red = resolveBandSource(located(doc), 'red', tables);
    expect([red.nodata, red.dataType, red.scale, red.offset]).toEqual([NaN, 'float32', 0.0002, -0.05]);
  });

  it('a name several assets carry is refused as ambiguous; without any table, eo:bands common names decide', () => {
    const item = located(raw(PC));
    const err = errorOf(() => resolveBandSource(item, 'rededge', tables));
    expect(err.message).toBe('item S2B_MSIL2A_20190629T212529_R043_T06VVN_20201006T080531: band "rededge" is ambiguous: assets B05, B06, B07, B8A all carry it; ask for one by asset key');
    const nir = resolveBandSource(item, 'nir', new Map());
    expect([nir.assetKey, nir.matchedBy, nir.scale, nir.nodata]).toEqual(['B08', 'band name', 1, 0]);
    // Not from the `visual` composite, although its eo:bands name red too.
    expect(resolveBandSource(item, 'red', new Map()).assetKey).toBe('B04');
  });

  it('Earth Search sentinel-s2-l2a-cogs: B04 and SCL keys, 9-number proj:transform, EPSG on the Item', () => {
    const item = located(raw(EARTH_SEARCH));
    const red = resolveBandSource(item, 'red', tables);
    expect([red.assetKey, red.matchedBy, red.epsg, red.geotransform, red.shape, red.nodata, red.dataType, red.scale, red.offset]).toEqual([
      'B04',
      'collection table',
      32628,
      [300000, 10, 0, 2300040, 0, -10],
      [10980, 10980],
      0,
      'uint16',
      0.0001,
      0,
    ]);
    const scl = resolveBandSource(item, 'SCL', tables);
    expect([scl.assetKey, scl.resolution, scl.categorical, scl.dataType]).toEqual(['SCL', 20, true, 'uint8']);
    expect(s2ProcessingBaseline(item.item)).toBe('02.14');
  });

  it('Landsat Collection 2: surface reflectance scale 0.0000275 and offset -0.2, nir as nir08, qa_pixel, the Item grid', () => {
    const item = located(raw(LANDSAT));
    const red = resolveBandSource(item, 'red', tables);
    expect([red.assetKey, red.matchedBy, red.scale, red.offset, red.nodata, red.dataType, red.categorical]).toEqual(['red', 'asset key', 0.0000275, -0.2, 0, 'uint16', false]);
    expect([red.epsg, red.geotransform, red.shape, red.resolution]).toEqual([32615, [173085, 30, 0, 4904715, 0, -30], [8041, 7931], 30]);
    const nir = resolveBandSource(item, 'nir', tables);
    expect([nir.assetKey, nir.matchedBy, nir.offset]).toEqual(['nir08', 'collection table', -0.2]);
    const qa = resolveBandSource(item, 'qa_pixel', tables);
    expect([qa.assetKey, qa.nodata, qa.scale, qa.offset, qa.categorical]).toEqual(['qa_pixel', 1, 1, 0, true]);
    expect(resolveBandSource(item, 'qa', tables).assetKey).toBe('qa_pixel');
    // Outside any table, the classification extension marks it categorical (as Planetary Computer's Items do).
    const doc = raw(LANDSAT);
    doc.collection = 'elsewhere';
    expect(resolveBandSource(located(doc), 'qa_pixel', tables).categorical).toBe(false);
    doc.assets.qa_pixel['raster:bands'] = [{ nodata: 1, data_type: 'uint16', 'classification:bitfields': [{ name: 'fill', offset: 0, length: 1 }] }];
    expect(resolveBandSource(located(doc), 'qa_pixel', tables)).toMatchObject({ categorical: true, nodata: 1, dataType: 'uint16' });
  });

  it('an Item without a needed band is an error naming the Item, the band and what was tried', () => {
    const err = errorOf(() => resolveBandSource(located(raw(LANDSAT)), 'scl', tables));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toMatch(/^item LC08_L2SP_028030_20200114_20200824_02_T1_SR: no asset for band "scl" \(tried asset key "scl", eo:bands names; assets: thumbnail, reduced_resolution_browse, index, coastal, blue, .*qa_pixel, qa_radsat\)$/);
    const doc = raw(EARTH_SEARCH);
    delete doc.assets.B11;
    const missing = errorOf(() => resolveBandSource(located(doc), 'swir16', tables));
    expect(missing.message).toMatch(/^item S2A_28QCH_20200714_0_L2A: no asset for band "swir16" \(tried asset key "swir16", collection table sentinel-2-l2a \(B11, swir16\), eo:bands names; assets: /);
  });

  it('processing baseline 04.00 and later: BOA_ADD_OFFSET -1000 folded into the offset of reflectance bands only', () => {
    const at = (baseline: string) => {
      const doc = raw(PC);
      doc.properties['s2:processing_baseline'] = baseline;
      return located(doc);
    };
    for (const baseline of ['04.00', '05.10']) {
      const red = resolveBandSource(at(baseline), 'red', tables);
      expect([red.offset, red.boaAddOffset, red.scale]).toEqual([-0.1, -1000, 0.0001]);
      const scl = resolveBandSource(at(baseline), 'scl', tables);
      expect([scl.offset, scl.boaAddOffset]).toEqual([0, 0]);
    }
    expect(resolveBandSource(at('03.01'), 'red', tables).offset).toBe(0);
    // The baseline read from the product id alone (Earth Search's older collection).
    const es = raw(EARTH_SEARCH);
    es.properties['sentinel:product_id'] = 'S2A_MSIL2A_20220714T115221_N0400_R123_T28QCH_20220714T191310';
    expect(resolveBandSource(located(es), 'red', tables)).toMatchObject({ offset: -0.1, boaAddOffset: -1000 });
    // A catalogue that states the offset itself (raster:bands), or says it removed it, is not offset twice.
    const stated = at('04.00');
    (stated.item.assets.B04 as any)['raster:bands'] = [{ nodata: 0, data_type: 'uint16', scale: 0.0001, offset: -0.1 }];
    expect(resolveBandSource(stated, 'red', tables)).toMatchObject({ offset: -0.1, boaAddOffset: 0 });
    const harmonised = at('04.00');
    harmonised.item.properties['earthsearch:boa_offset_applied'] = true;
    expect(resolveBandSource(harmonised, 'red', tables)).toMatchObject({ offset: 0, boaAddOffset: 0 });
  });

  it('relative asset hrefs resolve against the Item document; grids that contradict themselves are refused', () => {
    const doc = raw(PC);
    doc.assets.B04.href = '../cogs/B04.tif';
    expect(resolveBandSource(located(doc, '/data/stac/items/item.json'), 'red', tables).href).toBe(path.resolve('/data/stac/cogs/B04.tif'));
    expect(resolveBandSource(located(doc, 'http://127.0.0.1:9/stac/items/item.json'), 'red', tables).href).toBe('http://127.0.0.1:9/stac/cogs/B04.tif');
    doc.assets.B04['proj:bbox'] = [399960, 6690240, 509760, 6900040];
    expect(errorOf(() => resolveBandSource(located(doc), 'red', tables)).message).toBe(
      'item S2B_MSIL2A_20190629T212529_R043_T06VVN_20201006T080531, asset B04: proj:bbox [399960, 6690240, 509760, 6900040] disagrees with proj:transform and proj:shape, which give [399960, 6690240, 509760, 6800040]',
    );
    doc.assets.B04['proj:transform'] = [10, 0, 399960, 0, 0, 6800040];
    expect(errorOf(() => resolveBandSource(located(doc), 'red', tables)).message).toMatch(/asset B04: proj:transform \[10,0,399960,0,0,6800040\] is not an affine transform/);
  });

  it('older and newer band metadata: STAC 0.x eo:bands indices into the Item, STAC 1.1 bands', () => {
    const doc = raw(LANDSAT);
    delete doc.collection;
    // STAC 0.9: the Item lists the bands, assets point at them by index.
    doc.properties['eo:bands'] = [{ name: 'B4', common_name: 'red' }, { name: 'B5', common_name: 'nir' }];
    doc.assets.red['eo:bands'] = [0];
    doc.assets.nir08['eo:bands'] = [1];
    const nir = resolveBandSource(located(doc), 'nir', tables);
    expect([nir.assetKey, nir.matchedBy, nir.scale]).toEqual(['nir08', 'band name', 1]);
    // STAC 1.1: `bands` with eo:common_name, nodata and data type on the asset, scale/offset per band.
    const v11 = raw(LANDSAT);
    delete v11.collection;
    v11.assets.swir16 = { href: 'swir.tif', nodata: 0, data_type: 'uint16', bands: [{ name: 'B6', 'eo:common_name': 'swir16', scale: 0.0000275, offset: -0.2 }] };
    delete v11.assets.swir22['eo:bands'];
    const swir = resolveBandSource(located(v11, '/x/item.json'), 'swir16', tables);
    expect([swir.assetKey, swir.matchedBy, swir.nodata, swir.dataType, swir.scale, swir.offset, swir.href]).toEqual(['swir16', 'asset key', 0, 'uint16', 0.0000275, -0.2, path.resolve('/x/swir.tif')]);
    const b6 = resolveBandSource(located(v11, '/x/item.json'), 'B6', tables);
    expect([b6.assetKey, b6.matchedBy]).toEqual(['swir16', 'band name']);
  });

  it('hrefs the readers cannot or may not open are refused before reading', () => {
    const item = located(raw(LANDSAT));
    const red = resolveBandSource(item, 'red', tables);
    expect(() => checkAssetHrefs([red])).not.toThrow();
    expect(() => checkAssetHrefs([red], { allowedOrigins: ['https://landsatlook.usgs.gov'] })).not.toThrow();
    expect(() => checkAssetHrefs([red], { allowedOrigins: ['https://example.org', 'http://landsatlook.usgs.gov'] })).toThrow(
      `item LC08_L2SP_028030_20200114_20200824_02_T1_SR, asset red: https://landsatlook.usgs.gov is not an allowed origin (${red.href.slice(0, 100)})`,
    );
    const s3 = { ...red, href: 's3://usgs-landsat/collection02/level-2/B4.TIF' };
    expect(() => checkAssetHrefs([s3])).toThrow('item LC08_L2SP_028030_20200114_20200824_02_T1_SR, asset red: s3:// assets cannot be read (s3://usgs-landsat/collection02/level-2/B4.TIF); an http(s) URL or a file is needed');
    expect(() => checkAssetHrefs([{ ...red, href: '/data/B4.tif' }], { allowedOrigins: ['https://example.org'] })).not.toThrow();
    // A catalogue's file hrefs are held to the data roots, as a job's own paths are.
    expect(() => checkAssetHrefs([{ ...red, href: '/data/B4.tif' }], { localRoots: ['/data'] })).not.toThrow();
    expect(() => checkAssetHrefs([{ ...red, href: '/data/../etc/B4.tif' }], { localRoots: ['/data'] })).toThrow('asset red: the file /data/../etc/B4.tif is outside the data roots');
  });

  it('a band table that gives one collection to two tables is refused', () => {
    const entry = { assets: ['B04'] };
    const err = errorOf(() => loadCollectionTables({ a: { collections: ['x'], bands: { red: entry } }, b: { collections: ['x'], bands: { red: entry } } }));
    expect(err.message).toBe('STAC collection table inline: collection x is claimed by both a and b');
  });
});
