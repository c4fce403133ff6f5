/** The confirmation page's answers: our own words, with any value escaped. */

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export type PageKind = 'confirmed' | 'refused' | 'unavailable';

const titles: Record<PageKind, string> = {
  confirmed: 'Thanks — your answer is recorded',
  refused: 'Not confirmed',
  unavailable: 'Step-up unavailable',
};

export function stepUpPage(kind: PageKind, detail: string): string {
  const after =
    kind === 'confirmed'
      ? 'You can close this page.'
      : 'Your "Yes, this was me" was not recorded and the question stays open until its deadline. Go back to Teams to try again, or answer "No" if you do not recognise the activity.';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${titles[kind]}</title>
<meta name="referrer" content="no-referrer">
<style>body{font-family:system-ui,sans-serif;max-width:640px;margin:3em auto;color:#222}.refused,.unavailable{color:#b00020}.confirmed{color:#1b6e20}</style>
</head><body><h1 class="${kind}" data-outcome="${kind}">${titles[kind]}</h1><p id="detail">${escape(detail)}</p><p>${after}</p></body></html>`;
}
