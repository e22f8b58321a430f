/**
 * `selfj report` on a real `selfj demo` run with the tiny real model: the page renders in headless Chromium
 * without errors or network requests, and it says plainly that the tiny model's scores are noise.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { haveAssets, run } from './helpers.js';

const CHROMIUM = process.env.SELFJ_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!haveAssets)('selfj report of a tiny-model demo', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'selfj-report-e2e-')), 'demo');
  let html = '';

  it('writes report.html into the run directory and says the scores are noise', async () => {
    const demo = await run(['demo', '--out', out, '--limit', '12', '--samples', '2', '--max-tokens', '16', '--json']);
    expect(demo.code, demo.stderr).toBe(0);
    // the demo writes its own report at the end; selfj report rewrites it from the directory
    expect(JSON.parse(demo.stdout).report).toBe(join(out, 'report.html'));
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const r = await run(['report', out]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(out, 'report.html');
    expect(r.stdout.trim()).toBe(`Report: ${file}`);
    html = readFileSync(file, 'utf8');
    // the tiny model barely puts probability on the digits: its self-evaluation is called noise, on stderr and on the page
    expect(r.stderr).toMatch(/self-evaluation \(reference-free\) is noise/);
    expect(html).toMatch(/<div class="verdict noise" id="verdict"><p>[^<]*noise/);
    expect(html).toMatch(/is not answering the rating prompt with a digit/);
    for (const id of ['risk-coverage', 'training', 'digit-mass', 'pipeline']) expect(html, id).toContain(`id="fig-${id}"`);

    const json = await run(['report', out, '--format', 'json', '--out', join(out, 'report.json'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary.noise).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(saved.pipeline.stages.map((s: { stage: string }) => s.stage)).toContain('judge');
    expect(saved.model.id).toMatch(/stories260K\.gguf$/);
  }, 300_000);

  it.skipIf(!existsSync(CHROMIUM))(`renders in headless Chromium without errors or requests (skipped without ${CHROMIUM})`, async () => {
    expect(html, 'the first test wrote the report').not.toBe('');
    const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'selfj-chromium-')), { executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const page = await ctx.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (q) => requests.push(q.url()));
      const url = pathToFileURL(join(out, 'report.html')).href;
      await page.goto(url);
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      const svgs = await page.$$eval('section.figure svg', (s) => s.map((x) => x.getBoundingClientRect().width));
      expect(svgs.length).toBeGreaterThanOrEqual(5);
      for (const w of svgs) expect(w).toBeGreaterThan(100);
      expect(await page.textContent('#verdict')).toMatch(/noise/);
    } finally {
      await ctx.close();
    }
  }, 120_000);
});
