import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { IntakeHttpError } from './errors';

/**
 * `Content-Encoding` of a delivery: none (or identity) as is, gzip decompressed within the body limit. Anything else is
 * refused with 415 before the body is read, so compressed bytes are never read as JSON.
 */

const gunzipAsync = promisify(gunzip);
const GZIP = ['gzip', 'x-gzip'];

function encodingsOf(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

/** Throws 415 unless the delivery's encoding is one the intake reads. */
export function checkContentEncoding(header: string | string[] | undefined): void {
  const codings = encodingsOf(header);
  if (codings.length === 0 || (codings.length === 1 && GZIP.includes(codings[0]!))) return;
  throw new IntakeHttpError(
    415,
    'unsupported_media_type',
    `Content-Encoding "${codings.join(', ').slice(0, 80)}" is not supported; send the body uncompressed or gzip`,
  );
}

/** The body as the sender wrote it: gunzipped when it was sent gzip, at most `limit` bytes once decompressed. */
export async function decodedBody(raw: Buffer, header: string | string[] | undefined, limit: number): Promise<Buffer> {
  checkContentEncoding(header);
  if (encodingsOf(header).length === 0) return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IntakeHttpError(
        413,
        'payload_too_large',
        `the body is larger than the limit of ${limit} bytes once decompressed; split the delivery`,
      );
    }
    throw new IntakeHttpError(400, 'invalid_request', 'the body is not valid gzip (Content-Encoding: gzip)');
  }
}
