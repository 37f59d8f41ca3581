/**
 * What the browser tests share: the real server on a store of the given backend with the small
 * demo and users of known passwords, the built web app, and Debian's Chromium driven by
 * playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { hashPassword } from '../../src/access/passwords.ts';
import type { Role } from '../../src/access/permissions.ts';
import { createUser } from '../../src/access/store.ts';
import { buildServer } from '../../src/http/server.ts';
import type { Db } from '../../src/store/db.ts';
import type { TestBackend } from '../support/backends.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery staple';
/**
 * Where the tests save their screenshots: a git-ignored folder, so a test run leaves the tree
 * clean; `SAFEGROUND_SCREENSHOTS=docs` writes them over the README's in docs/screenshots.
 */
export const SCREENSHOTS = fileURLToPath(new URL(process.env.SAFEGROUND_SCREENSHOTS === 'docs' ? '../../docs/screenshots/' : '../../test-output/screenshots/', import.meta.url));

export interface Harness {
  db: Db;
  app: FastifyInstance;
  baseUrl: string;
  browser: Browser;
  /** A fresh browser profile (cookies, storage) for one person. */
  newContext(): Promise<BrowserContext>;
  /** Every Content Security Policy violation any page reported, as the console gave it. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** Builds web/dist when it is missing or older than web/src, as `npm start` does. */
function buildWebApp(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../web/ensure-build.mjs', import.meta.url))], { stdio: 'inherit' });
}

export async function startHarness(backend: TestBackend, users: readonly { username: string; role: Role; organisation: 'first' | null }[]): Promise<Harness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run installs it when missing)`);
  }
  buildWebApp();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const db = await backend.openDemo();
  const [organisation] = await db.query<{ id: string }>('SELECT id FROM organisation ORDER BY name LIMIT 1');
  const passwordHash = await hashPassword(PASSWORD);
  for (const user of users) {
    await createUser(db, { username: user.username, displayName: user.username, organisationId: user.organisation ? organisation!.id : null, roles: [user.role], passwordHash });
  }
  const app = await buildServer({ db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const cspViolations: string[] = [];
  return {
    db,
    app,
    baseUrl,
    browser,
    cspViolations,
    async newContext() {
      const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
      context.on('weberror', (error) => process.stderr.write(`page error: ${error.error().message}\n`));
      // Chromium reports a blocked script, style, image or worker both as an event and on the console.
      await context.addInitScript({
        content: "document.addEventListener('securitypolicyviolation', (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
      });
      context.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${message.location().url}: ${message.text()}`);
      });
      return context;
    },
    async close() {
      await browser.close();
      await app.close();
      await db.close();
    },
  };
}

/** Signs in through the form and waits for the map. */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/#/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/#\/map$/);
}

/** The map on `window`, as the map page exposes it for tests. */
interface MapHandle {
  getLayer(id: string): unknown;
  queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
  fitBounds(bounds: number[], options: { padding: number; animate: boolean; maxZoom: number }): void;
}

/** Properties of the features the map draws in the given MapLibre layers (those that exist). */
export function renderedFeatures(page: Page, layers: readonly string[]): Promise<Record<string, unknown>[]> {
  return page.evaluate((ids) => {
    const map = (globalThis as unknown as { safegroundMap?: MapHandle }).safegroundMap;
    if (!map) return [];
    return map.queryRenderedFeatures({ layers: ids.filter((id) => map.getLayer(id)) }).map((f) => f.properties);
  }, layers);
}

/** Waits until the map draws at least one feature in the given layers; fails with the layers named. */
export async function waitForRendered(page: Page, layers: readonly string[], test: (properties: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const features = (await renderedFeatures(page, layers)).filter(test);
    if (features.length > 0) return features;
    if (Date.now() > deadline) throw new Error(`The map drew no matching feature in ${layers.join(', ')} within 20 s`);
    await page.waitForTimeout(200);
  }
}

export function fitMap(page: Page, bounds: readonly number[]): Promise<void> {
  return page.evaluate((box) => {
    (globalThis as unknown as { safegroundMap?: MapHandle }).safegroundMap?.fitBounds([...box], { padding: 40, animate: false, maxZoom: 16 });
  }, bounds);
}

interface AxNode {
  ignored: boolean;
  role?: { value?: string };
  name?: { value?: string };
  properties?: { name: string; value: { value?: unknown } }[];
}

/** Roles of form controls, each of which must have an accessible name. */
const CONTROL_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'checkbox', 'radio', 'button', 'slider', 'spinbutton', 'listbox', 'switch']);

/** Form controls of the page that have no accessible name, read from Chromium's accessibility tree. */
export async function unnamedControls(page: Page): Promise<string[]> {
  const session = await page.context().newCDPSession(page);
  const { nodes } = (await session.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
  await session.detach();
  return nodes
    .filter((n) => !n.ignored && CONTROL_ROLES.has(n.role?.value ?? '') && !(n.name?.value ?? '').trim())
    .map((n) => `${n.role?.value} without a name`);
}
