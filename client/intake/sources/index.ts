import type { IntakeSource } from '../../../common/config/intake';
import type { SourceAdapter } from './adapter';
import { defender } from './defender';
import { elastic } from './elastic';
import { generic } from './generic';
import { ocsf } from './ocsf';
import { sentinel } from './sentinel';
import { splunk } from './splunk';

/** The sources that push to `POST /v1/alerts/{source}`. Defender XDR is pulled by a workflow instead. */
export const pushSources: Record<IntakeSource, SourceAdapter> = { splunk, elastic, sentinel, ocsf, generic };

export { defender };
export type { DeliveryKind, NormalizeContext, NormalizedAlert, SourceAdapter, SourceClosure } from './adapter';
