import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';

/** Debian's Chromium, driven headless by Playwright. Playwright's own browser downloads are never used. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's `chromium`, which `npm test`'s setup step installs (scripts/system-packages.ts); else what to do. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  throw new Error(
    `the browser check needs Debian's chromium at ${CHROMIUM}: run "apt-get update && apt-get install -y chromium" as root`,
  );
}

export interface Browser {
  page: Page;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, removed on close; `trustAnyCertificate` for the stand-ins' own certificates. */
export async function openBrowser(options: { trustAnyCertificate?: boolean } = {}): Promise<Browser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'soc-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      viewport: { width: 1400, height: 1000 },
      ...(options.trustAnyCertificate ? { ignoreHTTPSErrors: true } : {}),
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until one of the page's iframes (the Web UI renders Markdown in them) shows `text`; returns that frame's text. */
export async function frameShowing(
  page: Page,
  text: string,
  timeoutMs = 30_000,
): Promise<{ frame: Frame; text: string }> {
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  for (;;) {
    seen = [];
    for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
      const body = await frame
        .locator('body')
        .innerText({ timeout: 1_000 })
        .catch(() => '');
      seen.push(body.slice(0, 200));
      if (body.includes(text)) return { frame, text: body };
    }
    if (Date.now() > deadline)
      throw new Error(`no frame of ${page.url()} shows "${text}"; frames show: ${JSON.stringify(seen)}`);
    await page.waitForTimeout(200);
  }
}
