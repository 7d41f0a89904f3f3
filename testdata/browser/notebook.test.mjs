// End-to-end test in a real browser: a private Jupyter Notebook server with
// the dmirror kernelspec, headless Chromium driven by playwright-core. It
// opens a copy of the tour notebook, clears it, runs all cells from the
// menu, checks what is rendered (tourChecks), then types an endless loop,
// interrupts it from the toolbar and checks that the next cell still sees
// the session's values. Screenshots go to $ARTIFACTS/screenshots.
//
// Environment:
//   DMIRROR_BIN  dmirror binary; its kernelspec is installed with --prefix
//                (unset: use the kernelspecs Jupyter already has, and JUPYTER_PATH)
//   NOTEBOOK     notebook to run (default: notebooks/tour.ipynb)
//   ARTIFACTS    output folder (default: artifacts/ at the repository root)
//   PID_FILE     where to write the server's process id, for run.sh's trap
//   TEST_TMPDIR  where to make the test's private directory (run.sh's own)
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startJupyter, stopProcessesUnder, waitFor } from './jupyter.mjs';
import { errorCheck, interruptProfiles, short, tourChecks } from './expectations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const notebookPath = resolve(process.env.NOTEBOOK || join(repo, 'notebooks/tour.ipynb'));
const artifacts = resolve(process.env.ARTIFACTS || join(repo, 'artifacts'));
const shots = join(artifacts, 'screenshots');
const RUN_ALL_TIMEOUT = 300000;

const results = [];
function record(what, outcome) {
  const ok = outcome === true;
  results.push({ what, ok, detail: ok ? '' : String(outcome) });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}${ok ? '' : ': ' + outcome}`);
}

async function main() {
  mkdirSync(shots, { recursive: true });
  const root = mkdtempSync(join(process.env.TEST_TMPDIR || tmpdir(), 'dmirror-browser-'));
  const work = join(root, 'work');
  mkdirSync(work);
  const nbName = basename(notebookPath);
  copyFileSync(notebookPath, join(work, nbName));
  const kernelName = JSON.parse(readFileSync(notebookPath, 'utf8')).metadata?.kernelspec?.name;

  let kernelPath = process.env.JUPYTER_PATH || '';
  if (process.env.DMIRROR_BIN) {
    kernelPath = join(root, 'prefix/share/jupyter');
    const out = execFileSync(process.env.DMIRROR_BIN, ['install', '--prefix', join(root, 'prefix')], { encoding: 'utf8' });
    console.log(out.trim());
  }
  const server = await startJupyter({
    root, notebookDir: work, kernelPath, logFile: join(artifacts, 'jupyter-server.log'), pidFile: process.env.PID_FILE,
  });
  console.log(`server ready at ${server.url}`);
  let context;
  try {
    record(`the server offers the notebook's kernel "${kernelName}"`,
      server.kernelspecs.includes(kernelName) || `kernelspecs: ${server.kernelspecs.join(', ')}`);
    context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
        '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    console.log('browser started');
    const page = context.pages()[0] || await context.newPage();
    const consoleLog = [];
    page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLog.push(`pageerror: ${e.message}`));
    watchReplies(page);
    try {
      await runTour(page, server, nbName, kernelName);
      await interrupt(page, kernelName);
    } finally {
      writeFileSync(join(artifacts, 'browser-console.log'), consoleLog.join('\n') + '\n');
      await fullPage(page, join(shots, '99-last.png')).catch(() => {});
    }
  } finally {
    if (context) await context.close();
    const t = Date.now();
    await server.stop();
    console.log(`server stopped in ${Date.now() - t} ms`);
    const left = await stopProcessesUnder(root);
    record('no kernel outlives the server', left === 0 || `${left} processes were left and had to be stopped`);
    rmSync(root, { recursive: true, force: true });
  }
}

// replies holds the status of each execute_reply the page received, by
// execution count (the number a cell's prompt shows): a cell the kernel
// refused to run shows no output, and only its reply tells why.
const replies = new Map();

function watchReplies(page) {
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    if (typeof payload !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    if (msg.header?.msg_type !== 'execute_reply') return;
    const { status, execution_count: n, ename, evalue } = msg.content;
    replies.set(n, status === 'ok' ? 'ok' : `${status}: ${ename || ''} ${evalue || ''}`.trim());
  }));
}

// kernelState reads the toolbar's kernel indicator: idle, busy, dead...
const kernelState = (page) => page.evaluate(() => {
  const icon = document.querySelector('#kernel_indicator_icon');
  const m = icon && /kernel_(\w+)_icon/.exec(icon.className);
  return m ? m[1] : 'unknown';
});

async function waitIdle(page, what, timeout) {
  await waitFor(what, async () => (await kernelState(page)) === 'idle', timeout);
}

async function runTour(page, server, nbName, kernelName) {
  await page.goto(`${server.url}/notebooks/${encodeURIComponent(nbName)}?token=${server.token}`);
  await page.waitForSelector('#notebook-container .cell');
  const t0 = Date.now();
  await waitIdle(page, 'the kernel to start (indicator idle)', 120000);
  console.log(`kernel ready in ${Date.now() - t0} ms`);
  const running = await page.evaluate(() => Jupyter.notebook.kernel.name);
  record('the page runs the notebook\'s kernel', running === kernelName || `page kernel is ${running}`);

  // Start from a notebook without outputs, so that all we check is new.
  await page.evaluate(() => Jupyter.notebook.clear_all_output());
  const left = await page.locator('.output_area').count();
  record('outputs cleared before running', left === 0 || `${left} outputs left`);

  // Run all from the menu, as a person would.
  await page.click('#celllink');
  await page.click('#run_all_cells > a');
  const t1 = Date.now();
  await waitFor('all cells to run', () => page.evaluate(() => {
    const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code');
    const idle = document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
    return idle && cells.every((c) => c.input_prompt_number !== '*');
  }), RUN_ALL_TIMEOUT, 250);
  console.log(`run all took ${Date.now() - t1} ms`);

  const cells = await collectCells(page);
  const unrun = cells.filter((c) => typeof c.prompt !== 'number');
  record('every code cell ran', unrun.length === 0 || `not run: cells ${unrun.map((c) => c.index).join(', ')}`);
  for (const c of cells) {
    const reply = replies.get(c.prompt) || 'no execute_reply seen';
    record(`cell ${c.index} fails only if tagged raises-exception`, errorCheck(c, reply));
  }
  for (const chk of tourChecks) {
    const found = cells.filter(chk.cell);
    if (found.length === 0) {
      record(chk.what, 'no such cell in the notebook');
      continue;
    }
    const outcomes = found.map(chk.check);
    record(chk.what, outcomes.includes(true) ? true : outcomes.join('; '));
  }
  await screenshots(page, cells);
}

// collectCells reads every code cell as shown: source, tags, prompt, and
// its output area's text, HTML, error count and CSS classes.
function collectCells(page) {
  return page.evaluate(() => Jupyter.notebook.get_cells()
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === 'code')
    .map(({ cell, index }) => {
      const out = cell.element[0].querySelector('.output');
      const classes = new Set();
      out.querySelectorAll('*').forEach((e) => e.classList.forEach((k) => classes.add(k)));
      return {
        index,
        source: cell.get_text(),
        tags: (cell.metadata.tags || []),
        prompt: cell.input_prompt_number,
        text: out.innerText,
        html: out.innerHTML,
        errors: out.querySelectorAll('.output_error').length,
        classes: [...classes],
      };
    }));
}

async function screenshots(page, cells) {
  // Math is typeset after the outputs arrive; a picture taken before shows TeX.
  const mathjax = await page.evaluate(() => typeof MathJax !== 'undefined' && !!MathJax.Hub);
  if (mathjax) {
    await waitFor('MathJax to finish typesetting', () => page.evaluate(() =>
      MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running), 30000);
  }
  console.log(`MathJax ${mathjax ? 'done' : 'not loaded'}: ${await page.locator('.MathJax, .MathJax_Display, .MathJax_CHTML').count()} typeset elements`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => Jupyter.notebook.scroll_to_top());
  await page.screenshot({ path: join(shots, '01-tour-top.png') });
  await fullPage(page, join(shots, '02-tour-full.png'));
  const shotOf = async (name, pred) => {
    const c = cells.find(pred);
    if (!c) return;
    const el = page.locator('#notebook-container .cell').nth(c.index);
    await el.scrollIntoViewIfNeeded();
    await el.screenshot({ path: join(shots, name) });
  };
  const cellOf = (what) => tourChecks.find((chk) => chk.what.startsWith(what)).cell;
  await shotOf('03-parallel-collect.png', cellOf('ParallelCollect'));
  await shotOf('04-html-display.png', cellOf('an HTML display'));
  await shotOf('05-progress.png', cellOf('a progress bar'));
  await shotOf('06-failed-worker.png', cellOf('a failed worker'));
  // The README's picture: the notebook page from the heading of the
  // failed-worker section (a mirror's failure with its frame and locals,
  // the session going on, the progress bar below).
  const failed = cells.find((c) => c.classes.includes('dm-fail'));
  if (failed) {
    await page.evaluate((i) => {
      const el = document.querySelectorAll('#notebook-container .cell')[Math.max(0, i - 1)];
      document.querySelector('#site').scrollTop += el.getBoundingClientRect().top - 125;
    }, failed.index);
  }
  await page.mouse.move(1, 1); // no hover effects in the picture
  await page.screenshot({ path: join(shots, 'readme-notebook.png') });
}

// fullPage screenshots the whole notebook: the page itself does not
// scroll (#site does), so #site is let grow for the picture.
async function fullPage(page, path) {
  const saved = await page.evaluate(() => {
    const site = document.querySelector('#site');
    const old = { height: site.style.height, overflow: site.style.overflow, body: document.body.style.overflow };
    site.style.height = 'auto';
    site.style.overflow = 'visible';
    document.body.style.overflow = 'visible';
    return old;
  });
  await page.screenshot({ path, fullPage: true });
  await page.evaluate((old) => {
    const site = document.querySelector('#site');
    site.style.height = old.height;
    site.style.overflow = old.overflow;
    document.body.style.overflow = old.body;
  }, saved);
}

// typeCell appends a cell at the end by keyboard and types src into it.
async function typeCell(page, src) {
  await page.evaluate(() => {
    const nb = Jupyter.notebook;
    nb.select(nb.ncells() - 1);
    nb.command_mode();
  });
  await page.keyboard.press('Escape');
  await page.keyboard.press('b'); // insert a cell below, in command mode
  await page.keyboard.press('Enter'); // edit it
  await page.keyboard.type(src);
  const index = await page.evaluate(() => Jupyter.notebook.get_selected_index());
  const typed = await page.evaluate((i) => Jupyter.notebook.get_cell(i).get_text(), index);
  if (typed !== src) throw new Error(`typed ${JSON.stringify(src)}, the cell holds ${JSON.stringify(typed)}`);
  return index;
}

// runTyped types src into a new cell and runs it; with wait, until it is
// done, and with output, until its output has arrived too (it comes on
// another socket than the reply).
async function runTyped(page, src, { wait = true, output = false } = {}) {
  const index = await typeCell(page, src);
  await page.keyboard.press('Control+Enter'); // run, stay on the cell
  if (wait) {
    await waitFor(`cell ${index} to finish`, () => page.evaluate(([i, out]) => {
      const c = Jupyter.notebook.get_cell(i);
      return typeof c.input_prompt_number === 'number' && (!out || c.output_area.outputs.length > 0) &&
        document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
    }, [index, output]), 60000);
  }
  return index;
}

async function interrupt(page, kernelName) {
  const p = interruptProfiles[kernelName];
  if (!p) {
    record('interrupt', `no interrupt profile for kernel ${kernelName}`);
    return;
  }
  await runTyped(page, p.keep);
  const loop = await runTyped(page, p.loop, { wait: false });
  await waitFor('the loop to be running (busy)', async () => (await kernelState(page)) === 'busy' &&
    await page.evaluate((i) => Jupyter.notebook.get_cell(i).input_prompt_number === '*', loop), 30000);
  const t0 = Date.now();
  await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
  // The reply comes on another socket than the cell's output, and the idle
  // icon may be the interrupt request's own: wait for the output too.
  await waitFor('the loop to stop after interrupt', () => page.evaluate((i) => {
    const c = Jupyter.notebook.get_cell(i);
    return typeof c.input_prompt_number === 'number' && c.output_area.outputs.length > 0 &&
      document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
  }, loop), 30000);
  console.log(`interrupt took ${Date.now() - t0} ms`);
  const loopText = await page.evaluate((i) => Jupyter.notebook.get_cell(i).element[0].querySelector('.output').innerText, loop);
  record('the interrupted cell says it was interrupted', /interrupt/i.test(loopText) || `output: ${short(loopText)}`);
  const after = await runTyped(page, p.after, { output: true });
  const text = await page.evaluate((i) => Jupyter.notebook.get_cell(i).element[0].querySelector('.output').innerText, after);
  record('the next cell runs and sees the session\'s values', text.includes(p.want) || `output: ${short(text)}`);
  await page.locator('#notebook-container .cell').nth(loop).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '07-interrupt.png') });
}

main().then(() => {
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && results.length > 0 ? 0 : 1;
}, (err) => {
  console.error(`browser test: ${err.stack || err}`);
  const failed = results.filter((r) => !r.ok).length + 1;
  console.log(`${results.length - failed + 1} passed, ${failed} failed`);
  process.exitCode = 1;
});
