/**
 * Resource matching as API Gateway REST does it: a request path is matched against the resource tree
 * segment by segment, a literal segment wins over a `{param}` one, and `{name+}` takes the rest of the
 * path. A path with no resource, or a resource without the method, has no route.
 */
import { type CorsRoute, corsRouteOf } from '../../functions/contract/cors-policy.ts';
import type { RouteDefinition } from '../../functions/routes.ts';

/**
 * What the gateway needs of a route (the sandbox reports these from the current build's route table):
 * where it is, which function serves it, and the request headers its preflight must allow.
 */
export type RouteInfo = Pick<RouteDefinition, 'operationId' | 'method' | 'path' | 'handler' | 'adminOnly'> &
  Pick<CorsRoute, 'requestHeaders'>;

/** What routing needs of a route. */
export type Routable = Pick<RouteDefinition, 'method' | 'path'>;

/** A route table entry as the gateway sees it (plain data: it crosses from the sandbox that loaded the build). */
export function routeInfoOf(route: RouteDefinition): RouteInfo {
  const { operationId, method, path, handler, adminOnly } = route;
  return { operationId, method, path, handler, adminOnly, requestHeaders: corsRouteOf(route).requestHeaders };
}

export interface ResourceMatch<R extends Routable = RouteInfo> {
  /** The resource path template, e.g. `/tasks/{taskId}`. */
  resource: string;
  pathParameters: Record<string, string> | null;
  /** The routes (one per method) of that resource. */
  methods: ReadonlyMap<string, R>;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

interface Resource<R> {
  path: string;
  segments: Segment[];
  methods: Map<string, R>;
}

export interface Router<R extends Routable = RouteInfo> {
  /** The resource a path names, whatever the method (its `methods` then say which route serves a method). */
  resource(path: string): ResourceMatch<R> | undefined;
}

export function createRouter<R extends Routable>(routes: readonly R[]): Router<R> {
  const byPath = new Map<string, Resource<R>>();
  for (const route of routes) {
    let resource = byPath.get(route.path);
    if (!resource) {
      resource = { path: route.path, segments: parseTemplate(route.path), methods: new Map() };
      byPath.set(route.path, resource);
    }
    if (resource.methods.has(route.method)) throw new Error(`Two routes for ${route.method} ${route.path}`);
    resource.methods.set(route.method, route);
  }
  // Most specific first: at the first segment where two resources differ, a literal beats a parameter,
  // which beats a greedy parameter.
  const resources = [...byPath.values()].sort((a, b) => compareSpecificity(a.segments, b.segments));

  const resource = (path: string): ResourceMatch<R> | undefined => {
    const segments = splitPath(path);
    if (!segments) return undefined;
    for (const candidate of resources) {
      const params = matchSegments(candidate.segments, segments);
      if (params) {
        return { resource: candidate.path, pathParameters: Object.keys(params).length > 0 ? params : null, methods: candidate.methods };
      }
    }
    return undefined;
  };

  return { resource };
}

function parseTemplate(path: string): Segment[] {
  if (!path.startsWith('/')) throw new Error(`Resource path must start with /: ${path}`);
  return path
    .split('/')
    .slice(1)
    .filter((part) => part !== '')
    .map((part): Segment => {
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy?.[1]) return { kind: 'greedy', name: greedy[1] };
      const param = /^\{(\w+)\}$/.exec(part);
      if (param?.[1]) return { kind: 'param', name: param[1] };
      return { kind: 'literal', value: part };
    });
}

/** The path's segments (still percent-encoded), or undefined for a path API Gateway would not route. */
function splitPath(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/').slice(1);
  if (segments.length === 1 && segments[0] === '') return [];
  if (segments.some((segment) => segment === '')) return undefined;
  return segments;
}

function matchSegments(template: Segment[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let index = 0; index < template.length; index++) {
    const part = template[index] as Segment;
    if (part.kind === 'greedy') {
      const rest = segments.slice(index);
      if (rest.length === 0) return undefined;
      const value = decode(rest.join('/'));
      if (value === undefined) return undefined;
      params[part.name] = value;
      return params;
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    const value = decode(segment);
    if (value === undefined) return undefined;
    if (part.kind === 'literal') {
      if (value !== part.value) return undefined;
    } else {
      params[part.name] = value;
    }
  }
  return template.length === segments.length ? params : undefined;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const RANK: Record<Segment['kind'], number> = { literal: 0, param: 1, greedy: 2 };

function compareSpecificity(a: Segment[], b: Segment[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const left = a[index];
    const right = b[index];
    if (!left || !right) return left ? -1 : 1;
    const difference = RANK[left.kind] - RANK[right.kind];
    if (difference !== 0) return difference;
  }
  return 0;
}
