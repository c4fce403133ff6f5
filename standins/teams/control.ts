import { z } from 'zod';

/**
 * For the CLI: list the cards a running Teams stand-in holds and click one, over the stand-in's control endpoints
 * (the stand-in holds the signing keys, so the click is signed there). Works from any process that trusts the
 * stand-in certificate (NODE_EXTRA_CA_CERTS).
 */

const cardsSchema = z.array(
  z.object({
    conversationId: z.string(),
    activityId: z.string(),
    kind: z.enum(['personal', 'channel']),
    userId: z.string().optional(),
    postedAt: z.string(),
    text: z.string(),
    buttons: z.array(z.string()),
  }),
);
export type StandInCard = z.infer<typeof cardsSchema>[number];

const clickSchema = z.object({ status: z.number(), message: z.string().optional(), text: z.string().optional() });
export type RemoteClickResult = z.infer<typeof clickSchema>;

async function json(response: Response): Promise<unknown> {
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok)
    throw new Error(
      `Teams stand-in answered HTTP ${response.status}: ${(body as { message?: string })?.message ?? ''}`,
    );
  return body;
}

/** Every card the bot posted, oldest first. `pendingOnly`: only cards that still have buttons. */
export async function listStandInCards(
  standInUrl: string,
  options: { pendingOnly?: boolean; fetch?: typeof fetch } = {},
): Promise<StandInCard[]> {
  const cards = cardsSchema.parse(
    await json(await (options.fetch ?? fetch)(new URL('/_standin/messages', standInUrl))),
  );
  return options.pendingOnly ? cards.filter((c) => c.buttons.length > 0) : cards;
}

/** Clicks a button as a person (Entra object id); answers with the status Teams acts on (the invoke response's statusCode, else HTTP) and the card it returned. */
export async function clickStandInCard(
  standInUrl: string,
  click: { as: string; activityId?: string; button: string },
  options: { fetch?: typeof fetch } = {},
): Promise<RemoteClickResult> {
  const response = await (options.fetch ?? fetch)(new URL('/_standin/click', standInUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(click),
  });
  return clickSchema.parse(await json(response));
}

/** Text for a terminal: one block per card with its id, where it is, its text and its buttons. */
export function formatStandInCards(cards: StandInCard[]): string {
  if (cards.length === 0) return 'No cards.';
  return cards
    .map((c) =>
      [
        `── ${c.kind === 'personal' ? `chat with ${c.userId}` : 'SOC channel'} · message ${c.activityId} · ${c.postedAt}`,
        c.text,
        ...(c.buttons.length ? [] : ['(no buttons: nothing left to answer)']),
      ].join('\n'),
    )
    .join('\n\n');
}
