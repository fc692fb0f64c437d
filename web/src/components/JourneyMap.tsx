import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon, Position } from 'geojson';
import { geoArea, geoCentroid, geoNaturalEarth1, geoPath, type GeoPermissibleObjects } from 'd3-geo';
import { useEffect, useState } from 'preact/hooks';
import type { Journey } from '../api';
import { countryName, countryNumeric } from '../countries_lookup';
import { fmtDate, words } from '../format';
import { ErrorBox, Loading } from './ui';

type World = FeatureCollection<Geometry, { name: string }>;
let worldPromise: Promise<World> | null = null;

/** The world's countries, from world-atlas (bundled; loaded on first use). */
function loadWorld(): Promise<World> {
  if (!worldPromise) {
    worldPromise = Promise.all([import('world-atlas/countries-50m.json'), import('topojson-client')]).then(
      ([atlas, topo]) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const t = (atlas as any).default ?? atlas;
        return topo.feature(t, t.objects.countries) as unknown as World;
      },
    );
    worldPromise.catch(() => (worldPromise = null));
  }
  return worldPromise;
}

/** The centroid of a country's largest polygon: mainland US, not Alaska. */
function anchor(f: Feature<Geometry>): [number, number] {
  const g = f.geometry;
  if (g.type === 'MultiPolygon') {
    let best: Position[][] | null = null;
    let bestArea = -1;
    for (const poly of (g as MultiPolygon).coordinates) {
      const a = geoArea({ type: 'Polygon', coordinates: poly } as Polygon);
      if (a > bestArea) {
        bestArea = a;
        best = poly;
      }
    }
    if (best) return geoCentroid({ type: 'Polygon', coordinates: best } as Polygon) as [number, number];
  }
  return geoCentroid(f) as [number, number];
}

/** Centres the map opposite the widest empty stretch of longitude, so a route never splits at the edge. */
function centerLongitude(lons: number[]): number {
  if (lons.length === 0) return 0;
  const s = [...lons].sort((a, b) => a - b);
  let gap = -1;
  let mid = 0;
  for (let i = 0; i < s.length; i++) {
    const a = s[i];
    const b = i + 1 < s.length ? s[i + 1] : s[0] + 360;
    if (b - a > gap) {
      gap = b - a;
      mid = (a + b) / 2;
    }
  }
  let c = mid + 180;
  while (c > 180) c -= 360;
  return c;
}

const W = 960;
const H = 480;

export function JourneyMap({ journey }: { journey: Journey }) {
  const [world, setWorld] = useState<World | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    loadWorld()
      .then((w) => live && setWorld(w))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [attempt]);

  const countries = journey.countries ?? [];
  if (countries.length === 0) return <p class="empty">No departures or arrivals recorded yet.</p>;
  if (error) {
    return (
      <ErrorBox
        error={new Error('The map could not be drawn; the journey is listed below.')}
        onRetry={() => {
          setError(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  }
  if (!world) return <Loading label="Drawing the map…" />;

  const byId = new Map(world.features.map((f) => [String(f.id), f]));
  const points = new Map<string, [number, number]>();
  for (const c of countries) {
    const num = countryNumeric(c);
    const f = num ? byId.get(num) : undefined;
    if (f) points.set(c, anchor(f));
  }
  for (const leg of journey.legs) {
    for (const c of [leg.from_country, leg.to_country]) {
      if (c && !points.has(c)) {
        const f = byId.get(countryNumeric(c) ?? '');
        if (f) points.set(c, anchor(f));
      }
    }
  }
  const lon0 = centerLongitude([...points.values()].map((p) => p[0]));
  const visited = new Set(countries.map((c) => countryNumeric(c)));
  const routes = journey.legs
    .filter((l) => l.from_country && l.to_country && points.has(l.from_country) && points.has(l.to_country))
    .map((l) => ({
      leg: l,
      line: { type: 'LineString', coordinates: [points.get(l.from_country!)!, points.get(l.to_country!)!] } as GeoPermissibleObjects,
    }));
  const focus = {
    type: 'FeatureCollection',
    features: [
      ...world.features.filter((f) => visited.has(String(f.id))).map((f) => ({
        type: 'Feature',
        properties: {},
        geometry: { type: 'Point', coordinates: anchor(f) },
      })),
      ...routes.map((r) => ({ type: 'Feature', properties: {}, geometry: r.line })),
    ],
  } as unknown as GeoPermissibleObjects;
  const projection = geoNaturalEarth1().rotate([-lon0, 0]);
  projection.fitExtent(
    [
      [60, 50],
      [W - 60, H - 50],
    ],
    focus,
  );
  // Never zoom in past a region's width, nor out past the whole world.
  const world0 = geoNaturalEarth1().rotate([-lon0, 0]).fitExtent([[0, 0], [W, H]], { type: 'Sphere' });
  const maxScale = world0.scale() * 8;
  if (projection.scale() > maxScale) projection.scale(maxScale);
  if (projection.scale() < world0.scale()) {
    projection.scale(world0.scale()).translate(world0.translate());
  }
  const path = geoPath(projection);
  const order = countries.filter((c) => points.has(c));
  const description = journey.legs
    .map((l) => `${countryName(l.from_country) || '?'} to ${countryName(l.to_country) || '?'}${l.mode ? ` by ${l.mode}` : ''}`)
    .join('; ');

  return (
    <svg class="journey-map" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="jm-title jm-desc" data-testid="journey-map">
      <title id="jm-title">Map of the journey: {order.map((c) => countryName(c)).join(', then ')}</title>
      <desc id="jm-desc">{description}</desc>
      <defs>
        <marker id="jm-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" class="jm-arrowhead" />
        </marker>
      </defs>
      <path d={path({ type: 'Sphere' }) ?? ''} class="jm-ocean" />
      <g>
        {world.features.map((f) => (
          <path key={String(f.id) + f.properties.name} d={path(f) ?? ''} class={visited.has(String(f.id)) ? 'jm-land jm-visited' : 'jm-land'} />
        ))}
      </g>
      <g>
        {routes.map((r, i) => (
          <path key={i} d={path(r.line) ?? ''} class={`jm-route jm-mode-${r.leg.mode ?? "unknown"}`} marker-end="url(#jm-arrow)" />
        ))}
      </g>
      <g>
        {order.map((c, i) => {
          const xy = projection(points.get(c)!);
          if (!xy) return null;
          const [x, y] = xy;
          return (
            <g key={c} transform={`translate(${x.toFixed(1)},${y.toFixed(1)})`} class="jm-stop">
              <circle r="11" />
              <text class="jm-num" dominant-baseline="central" text-anchor="middle">
                {i + 1}
              </text>
              <text class="jm-label" x={x > W * 0.78 ? -20 : 20} y={i % 2 ? 18 : -8} text-anchor={x > W * 0.78 ? 'end' : 'start'}>
                {countryName(c)}
              </text>
            </g>
          );
        })}
      </g>
    </svg>
  );
}

export function JourneyLegs({ journey }: { journey: Journey }) {
  if (!journey.legs.length) return null;
  return (
    <ol class="legs">
      {journey.legs.map((l, i) => (
        <li key={i}>
          <strong>
            {countryName(l.from_country) || 'unknown'} → {countryName(l.to_country) || 'unknown'}
          </strong>{' '}
          {l.mode && <>by {l.mode} </>}
          <span class="muted">
            {l.departed && <>left {fmtDate(l.departed)}{l.from_place && ` from ${l.from_place}`}</>}
            {l.departed && l.arrived && '; '}
            {l.arrived && <>arrived {fmtDate(l.arrived)}{l.to_place && ` at ${l.to_place}`}</>}
            {l.manner && <> ({words(l.manner)})</>}
          </span>
        </li>
      ))}
    </ol>
  );
}
