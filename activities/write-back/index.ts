import type { GraphConfig } from '../../common/config/graph';
import type { WriteBackConfig, WriteBackSource, WriteBackSourceSettings } from '../../common/config/write-back';
import type { WriteBackRequest, WriteBackResult } from '../../common/write-back';
import { CachedToken, createCredential } from '../graph/auth';
import { ApiClient } from '../graph/http';
import type { SiemWriteBack } from '../ports';
import { commentIdOf, commentOf, markerOf } from './comment';
import { DefenderAlertWriter } from './defender';
import { ElasticAlertWriter } from './elastic';
import { ARM_SCOPE, SentinelIncidentWriter } from './sentinel';
import { SplunkNotableWriter } from './splunk';
import type { SourceWriter } from './writer';

export { ARM_SCOPE, SENTINEL_API_VERSION } from './sentinel';
export { commentIdOf, markerOf } from './comment';

/**
 * The `SiemWriteBack` port: picks the writer for the alert's origin, checks the source's configured transitions, and
 * hands it the comment (template + marker). A source with no writer answers "not configured".
 */
export function createSiemWriteBack(
  config: WriteBackConfig,
  writers: Partial<Record<WriteBackSource, SourceWriter>>,
): SiemWriteBack {
  return {
    async write(request: WriteBackRequest): Promise<WriteBackResult> {
      const kind = request.origin.kind;
      const settings: WriteBackSourceSettings | undefined = config[kind];
      const writer = writers[kind];
      if (!settings || !writer) return { status: 'not-configured', detail: `write-back to ${kind} not configured` };
      if (!settings.transitions.includes(request.transition))
        return { status: 'skipped', detail: `${request.transition} is not written to ${kind} (its TRANSITIONS)` };
      const comment = {
        text: commentOf(request, settings, config.caseUrlTemplate),
        marker: markerOf(request),
        id: commentIdOf(request),
      };
      return { status: 'written', detail: await writer.write(request, comment, settings.owner) };
    },
  };
}

/**
 * The production writers from configuration: Defender through Graph and Sentinel through ARM, both with the GRAPH_*
 * app registration (one credential, a token per resource); Splunk and Kibana with their own credentials. Undefined
 * when no source is configured.
 */
export function createWriteBackPorts(
  config: WriteBackConfig,
  graph: GraphConfig | undefined,
): SiemWriteBack | undefined {
  const writers: Partial<Record<WriteBackSource, SourceWriter>> = {};
  const credential = graph && (config.defender || config.sentinel) ? createCredential(graph) : undefined;
  if (config.defender && graph && credential) {
    writers.defender = new DefenderAlertWriter(
      new ApiClient({
        service: 'Microsoft Graph',
        baseUrl: graph.graphBaseUrl,
        version: 'v1.0',
        token: new CachedToken(credential, graph.graphScope, 'Microsoft Graph'),
        timeoutMs: config.requestTimeoutMs,
      }),
    );
  }
  if (config.sentinel && credential) {
    writers.sentinel = new SentinelIncidentWriter({
      baseUrl: config.sentinel.armBaseUrl,
      token: new CachedToken(credential, ARM_SCOPE, 'Azure Resource Manager'),
      timeoutMs: config.requestTimeoutMs,
    });
  }
  if (config.splunk) {
    const { baseUrl, token } = config.splunk;
    writers.splunk = new SplunkNotableWriter({ baseUrl, token, timeoutMs: config.requestTimeoutMs });
  }
  if (config.elastic) {
    const { kibanaUrl, apiKey, closeReason } = config.elastic;
    writers.elastic = new ElasticAlertWriter({ kibanaUrl, apiKey, closeReason, timeoutMs: config.requestTimeoutMs });
  }
  return Object.keys(writers).length ? createSiemWriteBack(config, writers) : undefined;
}
