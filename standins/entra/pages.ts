/** The stand-in's sign-in pages: user and password, then the MFA step (which can be skipped to test refusal). */

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const layout = (
  title: string,
  body: string,
) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:420px;margin:4em auto;color:#222}label{display:block;margin:.6em 0}
input{width:100%;padding:6px}.error{color:#b00020}button{margin:.6em .6em 0 0}</style></head>
<body><h1>Sign in (Entra ID stand-in)</h1>${body}</body></html>`;

export function passwordPage(input: { interaction: string; loginHint?: string; error?: string }): string {
  return layout(
    'Sign in',
    `${input.error ? `<p class="error" id="error">${escape(input.error)}</p>` : ''}
<form method="post" action="password">
  <input type="hidden" name="interaction" value="${escape(input.interaction)}">
  <label>User <input id="username" name="username" autocomplete="username" value="${escape(input.loginHint ?? '')}"></label>
  <label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
  <button type="submit" id="sign-in">Sign in</button>
</form>`,
  );
}

export function mfaPage(input: { interaction: string; user: string; error?: string }): string {
  return layout(
    'Verify your identity',
    `<p>Signed in as ${escape(input.user)}. Enter the code from your authenticator app.</p>
${input.error ? `<p class="error" id="error">${escape(input.error)}</p>` : ''}
<form method="post" action="mfa">
  <input type="hidden" name="interaction" value="${escape(input.interaction)}">
  <label>Code <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"></label>
  <button type="submit" id="verify" name="step" value="verify">Verify</button>
  <button type="submit" id="skip" name="step" value="skip">Skip for now</button>
</form>`,
  );
}

export function errorPage(message: string): string {
  return layout('Sign-in error', `<p class="error" id="error">${escape(message)}</p>`);
}
