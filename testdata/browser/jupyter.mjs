// A real Jupyter Notebook server on loopback, private to one test run: its
// own data, config and runtime directories under root, a random token, a
// free port, and kernelspecs from kernelPath (JUPYTER_PATH).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';

// freePort asks the kernel for a free loopback port.
async function freePort() {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

// waitFor polls check() until it returns a truthy value or the deadline
// passes. It waits on a condition, not for a fixed time. An error thrown by
// check counts as "not yet", unless it is marked fatal.
export async function waitFor(what, check, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      if (err.fatal) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` + (lastErr ? `: ${lastErr.message}` : ''));
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// startJupyter starts the server and resolves once its API answers.
// The caller must call stop(), which shuts kernels down and waits for the
// server to exit (killing its process group if it does not).
export async function startJupyter({ root, notebookDir, kernelPath, logFile, pidFile }) {
  const dirs = {
    JUPYTER_DATA_DIR: join(root, 'data'),
    JUPYTER_CONFIG_DIR: join(root, 'config'),
    JUPYTER_RUNTIME_DIR: join(root, 'runtime'),
    IPYTHONDIR: join(root, 'ipython'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const env = { ...process.env, ...dirs, JUPYTER_PATH: kernelPath };
  const log = createWriteStream(logFile);
  const proc = spawn('/usr/bin/python3', [
    '-m', 'notebook',
    '--no-browser',
    '--allow-root', // CI runs as root
    // Debian enables an ipyparallel extension that cannot load here.
    '--NotebookApp.nbserver_extensions={"ipyparallel": False}',
    '--ip=127.0.0.1',
    `--port=${port}`,
    '--NotebookApp.port_retries=0',
    `--NotebookApp.token=${token}`,
    `--notebook-dir=${notebookDir}`,
  ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // The wrapper script kills this process group if the test itself dies.
  if (pidFile) writeFileSync(pidFile, String(proc.pid));
  proc.stdout.pipe(log, { end: false });
  proc.stderr.pipe(log, { end: false });
  let exited = null;
  const exit = once(proc, 'exit').then(([code, signal]) => { exited = { code, signal }; });

  const url = `http://127.0.0.1:${port}`;
  const api = async (method, path) => {
    const res = await fetch(`${url}${path}`, { method, headers: { Authorization: `token ${token}` } });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
    return res.status === 204 ? null : res.json();
  };

  const stop = async () => {
    if (exited === null) {
      try {
        for (const k of await api('GET', '/api/kernels')) await api('DELETE', `/api/kernels/${k.id}`);
      } catch (err) {
        log.write(`test: shutting kernels down: ${err.message}\n`);
      }
      killGroup(proc.pid, 'SIGTERM');
      const stopped = await Promise.race([exit.then(() => true), new Promise((r) => setTimeout(r, 10000, false))]);
      if (!stopped) {
        killGroup(proc.pid, 'SIGKILL');
        await exit;
      }
    }
    await new Promise((r) => log.end(r));
  };

  try {
    await waitFor('the Jupyter server to answer', async () => {
      if (exited) throw Object.assign(new Error(`server exited (${JSON.stringify(exited)}); see ${logFile}`), { fatal: true });
      return api('GET', '/api/status').then(() => true, () => false);
    }, 60000);
    const specs = await api('GET', '/api/kernelspecs');
    return { url, token, port, api, stop, kernelspecs: Object.keys(specs.kernelspecs) };
  } catch (err) {
    await stop();
    throw err;
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

// processesUnder lists the processes whose command line names a path under
// root (the kernels the server started use connection files in root), by
// id, not by name.
function processesUnder(root) {
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let args;
    try {
      args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.some((a) => a.includes(`${root}/`))) pids.push(Number(d));
  }
  return pids;
}

// stopProcessesUnder ends what is left of the test's processes: SIGTERM,
// then SIGKILL after a grace period. It returns how many were left.
export async function stopProcessesUnder(root, graceMs = 5000) {
  let pids = processesUnder(root);
  const left = pids.length;
  for (const pid of pids) killPid(pid, 'SIGTERM');
  try {
    await waitFor('leftover processes to exit', () => {
      pids = pids.filter((pid) => alive(pid));
      return pids.length === 0;
    }, graceMs, 50);
  } catch {
    for (const pid of pids) killPid(pid, 'SIGKILL');
  }
  return left;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
  } catch {
    return false;
  }
}

function killPid(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}
