/**
 * Kibana sends alert fields either as flat dotted keys (`"kibana.alert.uuid": …`), as nested objects, or mixed
 * (`"kibana.alert": {"rule.name": …}`). `nestDottedKeys` turns all of them into nested objects, so one schema reads
 * every variant. The first value wins when two spellings of one field disagree.
 */

const MAX_DEPTH = 32;
const unsafeKeys = new Set(['__proto__', 'constructor', 'prototype']);

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

function assign(target: Obj, path: string[], value: unknown, depth: number): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) node = node[segment] = {};
    else if (isObject(next)) node = next;
    else return; // a scalar already sits where this path needs an object
  }
  const leaf = path[path.length - 1]!;
  const existing = node[leaf];
  if (existing === undefined) node[leaf] = value;
  else if (isObject(existing) && isObject(value)) merge(existing, value, depth + 1);
}

function merge(target: Obj, source: Obj, depth: number): void {
  for (const [key, value] of Object.entries(source)) {
    const path = key.split('.');
    if (path.some((segment) => segment === '' || unsafeKeys.has(segment))) continue;
    assign(target, path, depth < MAX_DEPTH ? nestDottedKeys(value, depth + 1) : value, depth);
  }
}

export function nestDottedKeys(value: unknown, depth = 0): unknown {
  if (!isObject(value) || depth >= MAX_DEPTH) return value;
  const nested: Obj = {};
  merge(nested, value, depth);
  return nested;
}
