import { IntakeHttpError } from './errors';

/**
 * Request bodies are read as bytes (the HMAC is computed over them) and parsed here: one JSON document, or one per
 * line for NDJSON. A body nested deeper than any SIEM sends is refused before it is parsed.
 */

export const jsonMediaTypes = ['application/json', 'text/json', 'text/plain'];
export const ndjsonMediaTypes = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];
export const acceptedMediaTypes = [...jsonMediaTypes, ...ndjsonMediaTypes];

const MAX_DEPTH = 64;

/** True when `text` holds fewer than `limit` `{` and `[` in all (it cannot then nest `limit` deep). */
function fewerOpenersThan(text: string, limit: number): boolean {
  let count = 0;
  for (const opener of ['{', '[']) {
    for (let at = text.indexOf(opener); at !== -1; at = text.indexOf(opener, at + 1)) {
      if (++count >= limit) return false;
    }
  }
  return true;
}

/** The deepest nesting of objects and arrays in a JSON text, counted without parsing it. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IntakeHttpError(400, 'invalid_json', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses a body into its JSON documents: one for JSON, one per non-empty line for NDJSON. */
export function parseDocuments(raw: Buffer, contentType: string | undefined): unknown[] {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '')
    throw new IntakeHttpError(400, 'empty_body', 'the request body is empty; send the alert as JSON');
  if (!fewerOpenersThan(text, MAX_DEPTH + 1) && nestingDepth(text) > MAX_DEPTH) {
    throw new IntakeHttpError(400, 'invalid_json', `the body is nested more than ${MAX_DEPTH} levels deep`);
  }
  const lines = () =>
    text
      .split(/\r?\n/)
      .map((line, index) => ({ line: line.trim(), number: index + 1 }))
      .filter(({ line }) => line !== '');
  if (ndjsonMediaTypes.includes(mediaTypeOf(contentType))) {
    return lines().map(({ line, number }) => parseJson(line, `line ${number}`));
  }
  try {
    return [JSON.parse(text)];
  } catch (err) {
    // Some senders label NDJSON as JSON: accept it when every line is a document of its own.
    const candidate = lines();
    if (candidate.length > 1 && candidate.every(({ line }) => line.startsWith('{') && line.endsWith('}'))) {
      try {
        return candidate.map(({ line }) => JSON.parse(line) as unknown);
      } catch {
        /* report the original error below */
      }
    }
    throw new IntakeHttpError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
