// npm test's static checks, two at a time on a 2-core machine: eslint (type-aware, the slowest)
// beside prettier --check then tsc --noEmit. Each one's output is printed whole when it ends; the
// exit code is 1 if any of them failed. Plain JavaScript: it starts before tsx would have.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = (name) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);

function run(name, args) {
  return new Promise((resolve) => {
    const child = spawn(bin(name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ name, ok: false, output: `${error.message}\n` }));
    child.on('close', (code) => resolve({ name, ok: code === 0, output }));
  });
}

const report = (result) => {
  process.stdout.write(`> ${result.name}: ${result.ok ? 'ok' : 'FAILED'}\n${result.output}`);
  return result.ok;
};

const results = await Promise.all([
  run('eslint', ['.']).then(report),
  run('prettier', ['--check', '.'])
    .then(report)
    .then(async (formatted) => report(await run('tsc', ['--noEmit'])) && formatted),
]);
process.exitCode = results.every(Boolean) ? 0 : 1;
