import { randomBytes } from 'node:crypto';
import type { Live } from './context';
import { HttpError, type Result } from './responses';

/** OData as Graph answers it: `$filter`, `$top`, `$select`, and paging through `@odata.nextLink`. */

/**
 * Applies an OData `$filter` of `and`-joined clauses: `<time field> ge|gt|le|lt <ISO time>` and `<field> eq '<value>'`
 * on the fields given; any other clause is a 400, as Graph answers.
 */
export function filterItems<T>(
  items: T[],
  filter: string | undefined,
  fields: { times: string[]; equals: string[]; ignoreCase?: boolean },
): T[] {
  const read = (item: T, field: string) => String((item as Record<string, unknown>)[field] ?? '');
  const fold = (value: string) => (fields.ignoreCase ? value.toLowerCase() : value);
  let result = [...items];
  for (const clause of filter ? filter.split(/\s+and\s+/i) : []) {
    const byTime = /^\(?\s*(\w+) (ge|gt|le|lt) (\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s*\)?$/.exec(clause.trim());
    const byValue = /^\(?\s*(\w+) eq '([^']*)'\s*\)?$/.exec(clause.trim());
    if (byTime && fields.times.includes(byTime[1]!)) {
      const [, field, op, iso] = byTime;
      const bound = Date.parse(iso!);
      if (Number.isNaN(bound)) throw new HttpError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
      result = result.filter((item) => {
        const t = Date.parse(read(item, field!));
        return op === 'ge' ? t >= bound : op === 'gt' ? t > bound : op === 'le' ? t <= bound : t < bound;
      });
    } else if (byValue && fields.equals.includes(byValue[1]!)) {
      const [, field, value] = byValue;
      result = result.filter((item) => fold(read(item, field!)) === fold(value!));
    } else {
      throw new HttpError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
    }
  }
  return result;
}

/** `$top` between 1 and `max` (default `max`), else 400 as Graph answers. */
export function topOf(query: Record<string, string>, max: number): number {
  const top = query.$top ? Number(query.$top) : max;
  if (!Number.isInteger(top) || top < 1 || top > max)
    throw new HttpError(400, 'BadRequest', `Invalid $top value: ${query.$top}`);
  return top;
}

export function selected(query: Record<string, string>): string[] | undefined {
  const raw = query.$select;
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

export function pick<T extends object>(item: T, select: string[] | undefined, keep: string[]): Record<string, unknown> {
  if (!select) return { ...(item as unknown as Record<string, unknown>) };
  const view: Record<string, unknown> = {};
  for (const key of [...keep, ...select]) view[key] = (item as unknown as Record<string, unknown>)[key] ?? null;
  return view;
}

export interface Pager {
  /** The first page of `items`, keeping the rest for `@odata.nextLink`. */
  page(
    path: string,
    items: unknown[],
    requestedTop: number | undefined,
    context: string,
    extra?: Record<string, unknown>,
  ): Result;
  /** The page a `$skiptoken` names, or undefined when the request asks for a first page. */
  nextPage(path: string, query: Record<string, string>): Result | undefined;
  clear(): void;
}

export function createPager(live: Live, maxPageSize: number): Pager {
  const pages = new Map<string, { path: string; items: unknown[]; pageSize: number; context: string }>();

  function page(
    path: string,
    items: unknown[],
    requestedTop: number | undefined,
    context: string,
    extra: Record<string, unknown> = {},
  ): Result {
    const pageSize = Math.max(1, Math.min(requestedTop ?? maxPageSize, maxPageSize));
    const value = items.slice(0, pageSize);
    const rest = items.slice(pageSize);
    const body: Record<string, unknown> = { '@odata.context': context, ...extra, value };
    if (rest.length > 0) {
      const token = randomBytes(12).toString('base64url');
      pages.set(token, { path, items: rest, pageSize, context });
      body['@odata.nextLink'] = `${live.url}${path}?$skiptoken=${token}`;
    }
    return { status: 200, body };
  }

  function nextPage(path: string, query: Record<string, string>): Result | undefined {
    const token = query.$skiptoken ?? query.$skipToken;
    if (token === undefined) return undefined;
    const saved = pages.get(token);
    if (!saved || saved.path !== path)
      throw new HttpError(400, 'Request_BadRequest', 'The specified page token value has expired or is invalid.');
    pages.delete(token);
    return page(path, saved.items, saved.pageSize, saved.context);
  }

  return { page, nextPage, clear: () => pages.clear() };
}
