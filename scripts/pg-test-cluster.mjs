#!/usr/bin/env node
/**
 * @module A PostgreSQL cluster of the tests' own, with two-phase commit enabled
 * (`max_prepared_transactions=64`), which the machine's default server lacks. It lives in a fixed
 * folder and port so test files share it; each holder takes a lease and the last one out stops it.
 *
 * Usage: node scripts/pg-test-cluster.mjs <command> [--holder PID]
 *   start     initdb if needed, start the server if not running, take a lease for PID (default: the
 *             caller's parent) and print the connection as JSON: {host, port, user, password, database}
 *   release   drop PID's lease; stop the server (pg_ctl stop -m fast) when no living holder is left
 *   stop      stop the server whatever the leases say
 *   status    print whether it runs, and its folder and port
 * Env: WEIR_PG_TEST_DIR (default /tmp/weir-pg-test), WEIR_PG_TEST_PORT (default 55432),
 *      WEIR_PG_BIN (the folder of initdb and pg_ctl; default: the newest /usr/lib/postgresql/<v>/bin,
 *      else `pg_config --bindir`, else PATH).
 * The server refuses to run as root: when run as root, initdb and pg_ctl run as the `postgres` OS user
 * through runuser. Host connections need the password (scram-sha-256), so a wrong one is refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const DIR = process.env.WEIR_PG_TEST_DIR ?? '/tmp/weir-pg-test';
const PORT = Number(process.env.WEIR_PG_TEST_PORT ?? 55432);
const DATA = path.join(DIR, 'data');
const RUN = path.join(DIR, 'run');
const LOG = path.join(RUN, 'postgres.log');
const LEASES = path.join(DIR, 'leases');
const LOCK = path.join(DIR, 'lock');
const SERVER_USER = 'postgres';
const PASSWORD = 'weir';
const CONNECTION = { host: '127.0.0.1', port: PORT, user: 'postgres', password: PASSWORD, database: 'postgres' };

class ClusterError extends Error {}

function fail(message) {
  throw new ClusterError(`pg-test-cluster: ${message}`);
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser'].find((file) => existsSync(file)) ?? 'runuser';

/** The folder holding initdb and pg_ctl. */
function findBinDir() {
  const fromEnv = process.env.WEIR_PG_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(path.join(fromEnv, 'initdb'))) fail(`WEIR_PG_BIN=${fromEnv} has no initdb`);
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(root, versions[0], 'bin');
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && existsSync(path.join(pgConfig.stdout.trim(), 'initdb'))) return pgConfig.stdout.trim();
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return path.dirname(which.stdout.trim());
  fail(
    'the PostgreSQL server programs (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin, by pg_config or on PATH. ' +
      'Install the server (Debian: apt-get install postgresql) or set WEIR_PG_BIN to the folder holding initdb.',
  );
}

/** Runs a server program, as the postgres OS user when we are root. */
function runServerProgram(bin, program, args, options = {}) {
  const file = path.join(bin, program);
  const [command, argv] = asRoot ? [RUNUSER, ['-u', SERVER_USER, '--', file, ...args]] : [file, args];
  const result = spawnSync(command, argv, { encoding: 'utf8', cwd: '/', ...options });
  if (result.error !== undefined) fail(`could not run ${command}: ${result.error.message}`);
  return result;
}

function ensureFolder(folder, ownedByServer) {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (ownedByServer && asRoot) {
    const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim());
    chownSync(folder, uid, gid);
  }
}

function isRunning(bin) {
  if (!existsSync(path.join(DATA, 'PG_VERSION'))) return false;
  return runServerProgram(bin, 'pg_ctl', ['status', '-D', DATA]).status === 0;
}

function initCluster(bin) {
  if (existsSync(path.join(DATA, 'PG_VERSION'))) return;
  if (asRoot) {
    const id = spawnSync('id', ['-u', SERVER_USER]);
    if (id.status !== 0) fail(`running as root, but there is no '${SERVER_USER}' OS user to run the server as (the server refuses root)`);
  }
  rmSync(DATA, { recursive: true, force: true });
  ensureFolder(DIR, false);
  // the server user must reach its folders: DIR itself stays root's but searchable
  if (asRoot) execFileSync('chmod', ['0755', DIR]);
  ensureFolder(DATA, true);
  ensureFolder(RUN, true);
  const pwfile = path.join(RUN, 'pwfile');
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (asRoot) execFileSync('chown', [SERVER_USER, pwfile]);
  const result = runServerProgram(bin, 'initdb', [
    '-D',
    DATA,
    '-U',
    'postgres',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  rmSync(pwfile, { force: true });
  if (result.status !== 0) {
    rmSync(DATA, { recursive: true, force: true });
    fail(`initdb failed (status ${result.status}):\n${result.stderr}${result.stdout}`);
  }
}

function startServer(bin) {
  ensureFolder(RUN, true);
  const options = [
    `-p ${PORT}`,
    `-k ${RUN}`,
    "-c listen_addresses='127.0.0.1'",
    '-c max_prepared_transactions=64',
    '-c max_connections=200',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  const result = runServerProgram(bin, 'pg_ctl', ['start', '-D', DATA, '-l', LOG, '-w', '-t', '60', '-o', options]);
  if (result.status !== 0) {
    const log = existsSync(LOG) ? readFileSync(LOG, 'utf8').split('\n').slice(-15).join('\n') : '';
    fail(`pg_ctl start failed (status ${result.status}) for ${DATA} on port ${PORT}:\n${result.stderr}${result.stdout}\n${log}`);
  }
  const ready = runServerProgram(bin, 'pg_isready', ['-h', '127.0.0.1', '-p', String(PORT), '-t', '30']);
  if (ready.status !== 0) fail(`the server started but does not accept connections on 127.0.0.1:${PORT}: ${ready.stdout}${ready.stderr}`);
}

function stopServer(bin) {
  if (!isRunning(bin)) return false;
  const result = runServerProgram(bin, 'pg_ctl', ['stop', '-D', DATA, '-m', 'fast', '-w', '-t', '60']);
  if (result.status !== 0) fail(`pg_ctl stop failed (status ${result.status}): ${result.stderr}${result.stdout}`);
  return true;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Holds a folder lock around `action`, breaking a lock whose holder died. */
function withLock(action) {
  mkdirSync(DIR, { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      } catch {
        // the holder is between mkdir and writing its pid, or just released
      }
      const age = (() => {
        try {
          return Date.now() - statSync(LOCK).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if ((Number.isInteger(holder) && !isAlive(holder)) || (Number.isNaN(holder) && age > 10_000)) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) fail(`timed out waiting for the lock ${LOCK} (held by pid ${holder})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    return action();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function livingHolders() {
  if (!existsSync(LEASES)) return [];
  const holders = [];
  for (const name of readdirSync(LEASES)) {
    const pid = Number(name);
    if (Number.isInteger(pid) && isAlive(pid)) holders.push(pid);
    else rmSync(path.join(LEASES, name), { force: true });
  }
  return holders;
}

function holderFromArgs(args) {
  const at = args.indexOf('--holder');
  const pid = at >= 0 ? Number(args[at + 1]) : process.ppid;
  if (!Number.isInteger(pid) || pid <= 0) fail(`--holder needs a process id, got '${args[at + 1]}'`);
  return pid;
}

function main(args) {
  const command = args[0];
  switch (command) {
    case 'start': {
      const holder = holderFromArgs(args);
      const bin = findBinDir();
      withLock(() => {
        initCluster(bin);
        if (!isRunning(bin)) startServer(bin);
        mkdirSync(LEASES, { recursive: true });
        writeFileSync(path.join(LEASES, String(holder)), '');
      });
      process.stdout.write(`${JSON.stringify(CONNECTION)}\n`);
      return;
    }
    case 'release': {
      const holder = holderFromArgs(args);
      const bin = findBinDir();
      const stopped = withLock(() => {
        rmSync(path.join(LEASES, String(holder)), { force: true });
        return livingHolders().length === 0 ? stopServer(bin) : false;
      });
      process.stdout.write(stopped ? 'stopped\n' : 'still in use\n');
      return;
    }
    case 'stop': {
      const bin = findBinDir();
      const stopped = withLock(() => stopServer(bin));
      process.stdout.write(stopped ? 'stopped\n' : 'not running\n');
      return;
    }
    case 'status': {
      const bin = findBinDir();
      const running = isRunning(bin);
      process.stdout.write(`${running ? 'running' : 'not running'}: ${DATA} on 127.0.0.1:${PORT} (holders: ${livingHolders().join(', ') || 'none'})\n`);
      return;
    }
    default:
      fail(`unknown command '${command ?? ''}'; use start, release, stop or status`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof ClusterError ? error.message : (error.stack ?? String(error))}\n`);
  process.exitCode = 1;
}
