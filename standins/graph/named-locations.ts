import { isIP } from 'node:net';
import { z } from 'zod';
import type { StandInRoutes } from './context';
import type { CidrRange, GraphSeed, StandInNamedLocation } from './model';
import { GRAPH_RESOURCE, HttpError } from './responses';
import { v1 } from './routes';

/** Conditional Access named locations: read, and PATCH of the IP ranges (counted as block/unblock effects). */

const namedLocationPatch = z.object({
  '@odata.type': z.literal('#microsoft.graph.ipNamedLocation', {
    error: "The '@odata.type' property is required and must be '#microsoft.graph.ipNamedLocation'.",
  }),
  displayName: z.string().min(1).optional(),
  isTrusted: z.boolean().optional(),
  ipRanges: z
    .array(
      z.discriminatedUnion('@odata.type', [
        z.object({ '@odata.type': z.literal('#microsoft.graph.iPv4CidrRange'), cidrAddress: z.string() }),
        z.object({ '@odata.type': z.literal('#microsoft.graph.iPv6CidrRange'), cidrAddress: z.string() }),
      ]),
    )
    .optional(),
});

function validCidr(range: CidrRange): boolean {
  const [address, bits, extra] = range.cidrAddress.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = range['@odata.type'] === '#microsoft.graph.iPv4CidrRange' ? 4 : 6;
  return isIP(address ?? '') === family && Number(bits) <= (family === 4 ? 32 : 128);
}

/** The entity an effect on `cidr` is counted for: the address of a single-address range, else the range. */
function entityOfCidr(cidr: string): string {
  const [address, bits] = cidr.split('/');
  return (isIP(address ?? '') === 4 && bits === '32') || (isIP(address ?? '') === 6 && bits === '128')
    ? address!
    : cidr;
}

function findNamedLocation(state: GraphSeed, id: string): StandInNamedLocation {
  const location = state.namedLocations.find((l) => l.id === id);
  if (!location)
    throw new HttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return location;
}

export const namedLocationRoutes: StandInRoutes = ({ route, live, effects }) => {
  route(
    'GET',
    `${v1}/identity/conditionalAccess/namedLocations/:id`,
    'getNamedLocation',
    GRAPH_RESOURCE,
    [['Policy.Read.All']],
    ({ params }) => {
      const location = findNamedLocation(live.state, params.id!);
      return {
        status: 200,
        body: {
          '@odata.context': `${live.url}${v1}/$metadata#identity/conditionalAccess/namedLocations/$entity`,
          ...location,
        },
      };
    },
  );

  route(
    'PATCH',
    `${v1}/identity/conditionalAccess/namedLocations/:id`,
    'updateNamedLocation',
    GRAPH_RESOURCE,
    [['Policy.Read.All'], ['Policy.ReadWrite.ConditionalAccess']],
    ({ params, body }) => {
      const location = findNamedLocation(live.state, params.id!);
      const parsed = namedLocationPatch.safeParse(body);
      if (!parsed.success)
        throw new HttpError(400, 'BadRequest', parsed.error.issues[0]?.message ?? 'Invalid request body.');
      const { ipRanges, displayName, isTrusted } = parsed.data;
      if (ipRanges) {
        const invalid = ipRanges.find((r) => !validCidr(r));
        if (invalid) throw new HttpError(400, 'BadRequest', `1001: Invalid IP range '${invalid.cidrAddress}'.`);
        const before = new Set(location.ipRanges.map((r) => r.cidrAddress));
        const after = new Set(ipRanges.map((r) => r.cidrAddress));
        for (const cidr of after) if (!before.has(cidr)) effects.count(entityOfCidr(cidr), 'block-ip');
        for (const cidr of before) if (!after.has(cidr)) effects.count(entityOfCidr(cidr), 'unblock-ip');
        location.ipRanges = ipRanges;
      }
      if (displayName !== undefined) location.displayName = displayName;
      if (isTrusted !== undefined) location.isTrusted = isTrusted;
      location.modifiedDateTime = new Date().toISOString();
      return { status: 204 };
    },
  );
};
