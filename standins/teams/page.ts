import type { ClickResult, StandInMessage, StandInUser } from './standin';

/**
 * The stand-in's demo page: every conversation with its current card, rendered from the Adaptive Card JSON (TextBlock,
 * RichTextBlock and its TextRuns as plain text, FactSet, Container, Action.Execute), and a form per button that clicks it as a chosen person — through the same
 * signed invoke the tests send.
 */

const escape = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** The markdown subset Adaptive Cards render: **bold**, _italic_, and line breaks. */
const inline = (value: unknown): string =>
  escape(value)
    .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')
    .replace(/(^|\s)_(.+?)_(?=\s|$)/g, '$1<i>$2</i>')
    .replace(/\n/g, '<br>');

function element(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const el = node as Record<string, unknown>;
  switch (el.type) {
    case 'TextBlock': {
      const size = el.size === 'Large' ? '1.25em' : '1em';
      const weight = el.weight === 'Bolder' ? 'bold' : 'normal';
      const color =
        el.color === 'Attention' ? '#b00020' : el.color === 'Good' ? '#1b6e20' : el.isSubtle ? '#666' : 'inherit';
      return `<p style="font-size:${size};font-weight:${weight};color:${color}">${inline(el.text)}</p>`;
    }
    case 'RichTextBlock':
      return `<p>${((el.inlines as Record<string, unknown>[]) ?? [])
        .map((r) => {
          const style = [
            r.weight === 'Bolder' ? 'font-weight:bold' : '',
            r.italic ? 'font-style:italic' : '',
            r.size === 'Large' ? 'font-size:1.25em' : '',
            r.color === 'Attention' ? 'color:#b00020' : r.isSubtle ? 'color:#666' : '',
          ].filter(Boolean);
          return `<span style="${style.join(';')}">${escape(r.text).replace(/\n/g, '<br>')}</span>`;
        })
        .join('')}</p>`;
    case 'FactSet':
      return `<table>${((el.facts as { title: unknown; value: unknown }[]) ?? [])
        .map((f) => `<tr><th>${escape(f.title)}</th><td>${inline(f.value)}</td></tr>`)
        .join('')}</table>`;
    case 'Container':
      return `<div class="container ${escape(el.style ?? '')}">${((el.items as unknown[]) ?? []).map(element).join('')}</div>`;
    default:
      return '';
  }
}

/** `Action.OpenUrl` buttons, as links: Teams opens them in the browser without telling the bot. */
function links(card: unknown): string {
  const actions = ((card ?? {}) as { actions?: { type?: string; title?: string; url?: string }[] }).actions ?? [];
  return actions
    .filter((a) => a.type === 'Action.OpenUrl' && typeof a.url === 'string' && /^https?:\/\//.test(a.url))
    .map((a) => `<p><a class="open-url" href="${escape(a.url)}">${escape(a.title ?? a.url)}</a></p>`)
    .join('');
}

function cardHtml(card: unknown, message: StandInMessage, users: StandInUser[]): string {
  const c = (card ?? {}) as {
    body?: unknown[];
    actions?: { type?: string; title?: string; verb?: string; url?: string; data?: { choice?: string } }[];
  };
  const defaultClicker = message.kind === 'personal' ? message.userId : users.find((u) => u.analyst)?.id;
  const options = users
    .map(
      (u) =>
        `<option value="${escape(u.id)}"${u.id === defaultClicker ? ' selected' : ''}>${escape(u.name)}${u.upn ? ` (${escape(u.upn)})` : ''}</option>`,
    )
    .join('');
  const buttons = (c.actions ?? [])
    .filter((a) => a.type === 'Action.Execute')
    .map(
      (a) => `<form method="post" action="/_standin/page-click">
        <input type="hidden" name="activityId" value="${escape(message.activityId)}">
        <input type="hidden" name="button" value="${escape(a.title)}">
        <select name="as">${options}</select>
        <button type="submit">${escape(a.title)}</button>
      </form>`,
    )
    .join('');
  return `<div class="card">${(c.body ?? []).map(element).join('')}${links(card)}${buttons ? `<div class="actions">${buttons}</div>` : ''}</div>`;
}

export function renderPage(input: {
  messages: StandInMessage[];
  users: StandInUser[];
  socConversationId: string;
  lastResult?: ClickResult;
}): string {
  const { messages, users, lastResult } = input;
  const name = (id?: string) => users.find((u) => u.id === id)?.name ?? id ?? '';
  const result = lastResult
    ? `<div class="result ${lastResult.status === 200 && !lastResult.message ? 'ok' : 'refused'}">
        <b>Last click</b> as ${escape(name(lastResult.as))}: HTTP ${lastResult.status}${lastResult.message ? ` — ${escape(lastResult.message)}` : ''}
        ${lastResult.card ? `<div class="card">${((lastResult.card as { body?: unknown[] }).body ?? []).map(element).join('')}${links(lastResult.card)}</div>` : ''}
      </div>`
    : '';
  const items = [...messages]
    .reverse()
    .map((m) => {
      const where =
        m.kind === 'personal' ? `Chat with ${escape(name(m.userId))}` : `SOC channel (${escape(m.conversationId)})`;
      const views = Object.entries(m.views)
        .map(
          ([id, card]) =>
            `<details><summary>What ${escape(name(id))} sees after clicking</summary>${cardHtml(card, { ...m, views: {} }, users)}</details>`,
        )
        .join('');
      return `<section><h2>${where}</h2><small>message ${escape(m.activityId)} · posted ${escape(m.postedAt)} · ${m.versions.length} version(s)</small>${cardHtml(m.card, m, users)}${views}</section>`;
    })
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Teams stand-in</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;color:#222}
 .card{border:1px solid #ccc;border-radius:8px;padding:12px 16px;margin:8px 0;background:#fafafa}
 .container.emphasis{background:#eef;padding:4px 8px;border-radius:4px}
 th{text-align:left;padding-right:1em;vertical-align:top} .actions form{display:inline-block;margin:4px 8px 0 0}
 .result{padding:8px;border-radius:6px;margin-bottom:1em} .result.ok{background:#e6f4e6} .result.refused{background:#fdecea}
 section{margin-bottom:2em}
</style></head><body>
<h1>Teams stand-in</h1>
<p>Cards the SOC bot posted, newest first (<a href="/">refresh</a>). Each button sends the bot a signed
<code>adaptiveCard/action</code> invoke as the person you choose.</p>
${result}${items || '<p><i>No cards yet.</i></p>'}
</body></html>`;
}
