import { createWriteBackPorts } from '../../activities/write-back';
import type { SiemWriteBack } from '../../activities/ports';
import type { GraphConfig } from '../../common/config/graph';
import { loadWriteBackConfig, type WriteBackConfig } from '../../common/config/write-back';
import type { GraphStandIn } from '../graph/server';
import { startKibanaStandIn, type KibanaStandIn } from './kibana';
import { startSentinelStandIn, type SentinelStandIn } from './sentinel';
import { startSplunkStandIn, type SplunkStandIn } from './splunk';

/**
 * Write-back in demo mode (and in tests): the Sentinel (ARM), Splunk ES and Kibana stand-ins, with the Graph stand-in
 * for Defender XDR and as the token issuer, configured through the same `loadWriteBackConfig` a deployment uses.
 */

export interface SiemWriteBackDemo {
  sentinel: SentinelStandIn;
  splunk: SplunkStandIn;
  kibana: KibanaStandIn;
  config: WriteBackConfig;
  /** The environment that configures write-back against these stand-ins (with the Graph stand-in's GRAPH_*). */
  env: Record<string, string>;
  writeBack: SiemWriteBack;
  stop(): Promise<void>;
}

export async function startSiemWriteBackDemo(options: {
  tls: { cert: string; key: string };
  graph: { standIn: GraphStandIn; config: GraphConfig };
  /** Any incident or alert id is known (npm start); tests seed theirs. */
  autoCreate?: boolean;
  /** Extra variables (transitions, templates, owners). */
  env?: Record<string, string>;
}): Promise<SiemWriteBackDemo> {
  const { tls, autoCreate } = options;
  // Writing to Defender XDR alerts takes consent beyond the read-only default (tests revoke it again for a 403).
  const { permissions } = options.graph.standIn.state.app;
  if (!permissions.includes('SecurityAlert.ReadWrite.All')) permissions.push('SecurityAlert.ReadWrite.All');
  const [sentinel, splunk, kibana] = await Promise.all([
    startSentinelStandIn({ tls, verifyToken: options.graph.standIn.verifyToken, autoCreate }),
    startSplunkStandIn({ tls }),
    startKibanaStandIn({ tls, autoCreate }),
  ]);
  const env = {
    GRAPH_TENANT_ID: options.graph.config.tenantId,
    SOC_WRITEBACK_DEFENDER: 'on',
    SOC_WRITEBACK_SENTINEL: 'on',
    SOC_WRITEBACK_SENTINEL_ARM_URL: sentinel.url,
    SOC_WRITEBACK_SPLUNK_URL: splunk.url,
    SOC_WRITEBACK_SPLUNK_TOKEN: splunk.token,
    SOC_WRITEBACK_ELASTIC_KIBANA_URL: kibana.url,
    SOC_WRITEBACK_ELASTIC_API_KEY: kibana.apiKey,
    SOC_WRITEBACK_ELASTIC_CLOSE_REASON: 'on',
    ...options.env,
  };
  const config = loadWriteBackConfig(env);
  return {
    sentinel,
    splunk,
    kibana,
    config,
    env,
    writeBack: createWriteBackPorts(config, options.graph.config)!,
    stop: async () => {
      await Promise.all([sentinel.stop(), splunk.stop(), kibana.stop()]);
    },
  };
}
