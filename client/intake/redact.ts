/** Log fields that hold secrets (pino redact paths), for the intake's and the worker's logs alike. */
export const SECRET_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["x-soc-signature"]',
  'req.headers["x-soc-token"]',
  'headers.authorization',
];

/**
 * Query parameters that carry secrets, by name as a server reads it: percent-decoded and in any case, so
 * `?%74oken=`, `?TOKEN=` and `?token=` are one parameter to the authenticator and to the logs alike.
 */
const SECRET_PARAMETERS = new Set(['token', 'access_token', 'api_key', 'apikey', 'key', 'secret', 'password', 'sig']);

/** A query parameter's name as parsed: `+` is a space, percent escapes decoded (a broken escape stays as it is). */
export function parameterName(raw: string): string {
  const name = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name).trim().toLowerCase();
  } catch {
    return name.trim().toLowerCase();
  }
}

export const isSecretParameter = (name: string): boolean => SECRET_PARAMETERS.has(parameterName(name));

/** The URL with the value of every secret query parameter replaced, whatever the encoding of its name. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const fragment = url.indexOf('#', at);
  const end = fragment === -1 ? url.length : fragment;
  const query = url
    .slice(at + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return isSecretParameter(name) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, at + 1)}${query}${url.slice(end)}`;
}
