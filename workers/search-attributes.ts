import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys } from '../common/search-attributes';

const indexedValueType: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the product's search attributes on an existing cluster (self-hosted or the test server). Attributes that
 * already exist are left alone. Temporal Cloud manages attributes per namespace in its UI or `tcld`; there a
 * permission error is reported with that hint.
 */
export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<string[]> {
  const existing = await connection.operatorService
    .listSearchAttributes({ namespace })
    .then((r) => new Set(Object.keys(r.customAttributes ?? {})))
    .catch(() => new Set<string>());
  const missing = searchAttributeKeys.filter((key) => !existing.has(key.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType[key.type]!])),
    });
  } catch (err) {
    if (/already exists/i.test(String(err))) return [];
    throw new Error(
      `could not register search attributes ${missing.map((k) => k.name).join(', ')} in namespace ${namespace}: ${(err as Error).message}. ` +
        'On Temporal Cloud add them in the namespace settings (or with tcld) before starting the worker.',
    );
  }
  return missing.map((k) => k.name);
}
