import { z } from 'zod';
import { alertSchema } from '../../../common/alert';
import { splitArrayEnvelope, type SourceAdapter } from './adapter';

/**
 * The project's own alert model (`common/alert.ts`), for forwarders that already normalize. `source` may be left out
 * and must otherwise be "generic": other sources' identities belong to their own routes. `sourceInstance` names the
 * sender (default "default"); `?instance=` in the URL wins over it, as for every source.
 */

const genericSchema = z.preprocess(
  (value) =>
    value && typeof value === 'object' && !Array.isArray(value) && !('source' in value)
      ? { ...value, source: 'generic' }
      : value,
  // Only a source's own normalizer says where its alert lives (write-back trusts it): a forwarder cannot.
  alertSchema
    .omit({ origin: true })
    .extend({ source: z.literal('generic', { error: 'must be "generic" on this route (or left out)' }) }),
);

export const generic: SourceAdapter = {
  source: 'generic',
  split: (documents) => splitArrayEnvelope(documents, 'alerts'),
  normalize: (item, context) => {
    const alert = genericSchema.parse(item);
    return { kind: 'create', alert: context.instance ? { ...alert, sourceInstance: context.instance } : alert };
  },
};
