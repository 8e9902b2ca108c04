import { kinks } from '@turf/turf';
import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { findSelfIntersection } from '../../pipeline/geo/self-intersection.js';

describe('self-intersection', () => {
  it('finds the crossing of a bow-tie, as turf.kinks does', () => {
    const bowtie: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] };
    expect(findSelfIntersection(bowtie)).toEqual([1, 1]);
    expect(kinks(bowtie).features[0].geometry.coordinates).toEqual([1, 1]);
  });

  it('accepts valid polygons, holes and rings touching at a vertex; finds a hole crossing its exterior', () => {
    const withHole: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]]] };
    expect(findSelfIntersection(withHole)).toBeNull();
    const touching: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[0, 0], [4, 2], [2, 4], [0, 0]]] };
    expect(findSelfIntersection(touching)).toBeNull();
    const crossing: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[8, 2], [12, 2], [12, 4], [8, 4], [8, 2]]] };
    expect(findSelfIntersection(crossing)).toEqual([10, 2]);
  });

  it('agrees with turf.kinks on random polygons', () => {
    let s = 12345;
    const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let k = 0; k < 200; k++) {
      const ring = Array.from({ length: 4 + Math.floor(rand() * 8) }, () => [rand() * 10, rand() * 10]);
      ring.push(ring[0]);
      const p: Polygon = { type: 'Polygon', coordinates: [ring] };
      expect(findSelfIntersection(p) !== null, JSON.stringify(ring)).toBe(kinks(p).features.length > 0);
    }
  });
});
